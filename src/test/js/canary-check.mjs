// Drives the dashboard in Debian's Chromium for CanaryApprovalIT; prints one JSON line per check.
// Environment: BASE_URL, API_TOKEN, BATCH_ID (a batch whose canary has ended), SCREENSHOT.
import { chromium } from 'playwright-core';

const { BASE_URL, API_TOKEN, BATCH_ID, SCREENSHOT } = process.env;
const STEP_TIMEOUT_MS = 40_000;

const report = (check, details) => console.log(JSON.stringify({ check, ...details }));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
try {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('dialog', (dialog) => dialog.accept()); // the confirm of Approve
  page.on('pageerror', (error) => report('page-error', { message: error.message }));

  await page.goto(`${BASE_URL}/dashboard`);
  await page.fill('[data-testid="login-token"]', API_TOKEN);
  await Promise.all([page.waitForURL(`${BASE_URL}/dashboard`), page.click('[data-testid="login-submit"]')]);

  // the batch waits for a decision, and its canary's before/after pairs are shown with every image loaded
  const panel = `[data-testid="canary"][data-batch-id="${BATCH_ID}"]`;
  await page.waitForSelector(panel);
  const pairs = await page.$$eval(`${panel} [data-testid="canary-pair"]`, (figures) => figures.map((f) => f.dataset.jobId));
  await page.waitForFunction((selector) => {
    const images = [...document.querySelectorAll(`${selector} img`)];
    return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
  }, panel);
  const widths = await page.$$eval(`${panel} img`, (images) => images.map((image) => image.naturalWidth));
  report('canary', {
    pairs,
    images: widths.length,
    waiting: Number(await page.textContent(`${panel} [data-testid="canary-waiting"]`)),
    state: await page.textContent(`[data-testid="batch-row"][data-batch-id="${BATCH_ID}"] [data-testid="batch-state"]`),
  });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // a real click on Approve: the panel goes, and the batch runs again
  await page.click(`${panel} [data-testid="canary-approve"]`);
  await page.waitForSelector(panel, { state: 'detached' });
  await page.waitForFunction((id) => {
    const row = document.querySelector(`[data-testid="batch-row"][data-batch-id="${id}"] [data-testid="batch-state"]`);
    return row && row.textContent !== 'awaiting_approval';
  }, BATCH_ID);
  report('approved', {
    state: await page.textContent(`[data-testid="batch-row"][data-batch-id="${BATCH_ID}"] [data-testid="batch-state"]`),
  });
} catch (error) {
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
  throw error;
} finally {
  await browser.close();
}
