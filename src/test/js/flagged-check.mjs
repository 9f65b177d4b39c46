// Drives the dashboard in Debian's Chromium for FlaggedOutputsHeldTest; prints one JSON line per check.
// Environment: BASE_URL, API_TOKEN, FLAGGED_JOB_ID (a completed job whose output WaveSpeed flagged) and
// HELD_JOB_ID (a job failed output_flagged, its output held for review).
import { chromium } from 'playwright-core';

const { BASE_URL, API_TOKEN, FLAGGED_JOB_ID, HELD_JOB_ID } = process.env;
const STEP_TIMEOUT_MS = 30_000;

const report = (check, details) => console.log(JSON.stringify({ check, ...details }));
const blurred = (selector) => page.$eval(selector, (element) => ({
  blurred: element.classList.contains('blurred'),
  filter: getComputedStyle(element.matches('img') ? element : element.querySelector('img')).filter,
  label: element.getAttribute('aria-label'),
}));

// headless by default; tests run as root, where Chromium's sandbox cannot start
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
try {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => report('page-error', { message: error.message }));
  await page.goto(`${BASE_URL}/dashboard/login`);
  await page.fill('[data-testid="login-token"]', API_TOKEN);
  await Promise.all([page.waitForURL(`${BASE_URL}/dashboard`), page.click('[data-testid="login-submit"]')]);

  // a flagged thumbnail is blurred; the first click shows it, the next opens its before/after
  const thumb = `[data-testid="thumb"][data-job-id="${FLAGGED_JOB_ID}"]`;
  await page.waitForSelector(thumb);
  report('thumb', await blurred(thumb));
  await page.click(thumb);
  report('thumb-clicked', { ...(await blurred(thumb)), dialog: await page.isVisible('[data-testid="before-after"]') });
  await page.click(thumb);
  await page.waitForSelector('[data-testid="before-after"][open]');
  await page.click('[data-testid="before-after-close"]');

  // the held job: Review opens its output blurred until clicked; Retry says it is a new paid task
  const row = `[data-testid="failed-job"][data-job-id="${HELD_JOB_ID}"]`;
  await page.waitForSelector(`${row} [data-testid="retry-new-task"]`);
  report('held-row', {
    retry: (await page.textContent(`${row} [data-testid="retry-new-task"]`)).trim(),
    title: await page.getAttribute(`${row} [data-testid="retry-new-task"]`, 'title'),
  });
  await page.click(`${row} [data-testid="review-flagged"]`);
  await page.waitForSelector('[data-testid="before-after"][open] [data-testid="after-image"].blurred');
  report('review', {
    ...(await blurred('[data-testid="after-image"]')),
    caption: await page.textContent('[data-testid="after-caption"]'),
  });
  await page.click('[data-testid="after-image"]');
  report('review-clicked', await blurred('[data-testid="after-image"]'));
  await page.click('[data-testid="before-after-close"]');

  let confirmation = null;
  page.once('dialog', (dialog) => {
    confirmation = dialog.message();
    dialog.accept();
  });
  const [retried] = await Promise.all([
    page.waitForResponse((response) => response.url().includes('/retry') && response.request().method() === 'POST'),
    page.click(`${row} [data-testid="retry-new-task"]`),
  ]);
  report('retry', { confirmation, status: retried.status(), url: retried.url() });
} finally {
  await browser.close();
}
