// Drives the dashboard in Debian's Chromium for DashboardBrowserIT; prints one JSON line per check.
// Environment: BASE_URL, API_TOKEN, BATCH_ID, LONG_BATCH_ID (running, to cancel), FAILED_JOB_ID (free to retry), PAID_JOB_ID (a retry pays again),
// UNDECIDED_JOB_ID (failed submission_outcome_unknown) and ASSIGNED_TASK (the candidate to assign it), SCREENSHOT.
import { chromium } from 'playwright-core';

const { BASE_URL, API_TOKEN, BATCH_ID, LONG_BATCH_ID, FAILED_JOB_ID, PAID_JOB_ID, UNDECIDED_JOB_ID, ASSIGNED_TASK, SCREENSHOT } = process.env;
const STEP_TIMEOUT_MS = 40_000;

const report = (check, details) => console.log(JSON.stringify({ check, ...details }));
const byId = (testid, id) => `[data-testid="${testid}"][data-${testid === 'batch-row' ? 'batch' : 'job'}-id="${id}"]`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
try {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('dialog', (dialog) => dialog.accept()); // the confirms of cancel and "pay again"
  page.on('pageerror', (error) => report('page-error', { message: error.message }));

  // a browser without the cookie is sent to the form; signing in leads to the page
  await page.goto(`${BASE_URL}/dashboard`);
  report('login-redirect', { url: page.url() });
  await page.fill('[data-testid="login-token"]', API_TOKEN);
  await Promise.all([page.waitForURL(`${BASE_URL}/dashboard`), page.click('[data-testid="login-submit"]')]);
  await page.waitForFunction(() => document.querySelector('[data-testid="updated"]').dataset.updates);
  report('page', {
    account: await page.textContent('[data-testid="account-state"]'),
    submissions: await page.textContent('[data-testid="submissions-state"]'),
  });

  // the running batch's progress moves while we watch
  const progress = `${byId('batch-row', BATCH_ID)} [data-testid="batch-progress"]`;
  await page.waitForSelector(progress);
  const firstEnded = Number(await page.getAttribute(progress, 'data-ended'));
  await page.waitForFunction(([selector, before]) => Number(document.querySelector(selector)?.dataset.ended) > before,
    [progress, firstEnded]);
  report('batch-progress', {
    before: firstEnded,
    after: Number(await page.getAttribute(progress, 'data-ended')),
    total: Number(await page.getAttribute(progress, 'data-total')),
  });

  // the failed job is retried with a click, leaves the failed list and shows up in the gallery
  const failedRow = byId('failed-job', FAILED_JOB_ID);
  const errorCode = await page.textContent(`${failedRow} [data-testid="error-code"]`);
  await page.click(`${failedRow} [data-testid="retry"]`);
  await page.waitForSelector(failedRow, { state: 'detached' });
  await page.waitForSelector(byId('thumb', FAILED_JOB_ID));
  report('retry', { error_code: errorCode });

  // a failure that may have been paid for: the free retry is refused with the reason, paying again is confirmed
  const paidRow = byId('failed-job', PAID_JOB_ID);
  await page.click(`${paidRow} [data-testid="retry"]`);
  const refusal = await page.textContent(`${paidRow} [data-testid="retry-refusal"]`);
  await page.click(`${paidRow} [data-testid="retry-pay-again"]`);
  await page.waitForSelector(paidRow, { state: 'detached' });
  report('pay-again', { refusal });

  const loaded = (selector) => page.waitForFunction((target) => {
    const image = document.querySelector(target);
    return image && image.complete && image.naturalWidth > 0 ? image.naturalWidth : false;
  }, selector).then((width) => width.jsonValue());

  // an undecided job's candidate tasks open beside its source; assigning one delivers it
  const undecidedRow = byId('failed-job', UNDECIDED_JOB_ID);
  await page.click(`${undecidedRow} [data-testid="show-candidates"]`);
  await page.waitForSelector('[data-testid="candidates"][open]');
  const chosen = `[data-testid="candidate"][data-prediction-id="${ASSIGNED_TASK}"]`;
  const candidates = await page.$$eval('[data-testid="candidate"]', (figures) => figures.map((f) => f.dataset.predictionId));
  const sourceWidth = await loaded('[data-testid="candidates-source"]');
  const candidateWidth = await loaded(`${chosen} img`);
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-candidates.png') });
  await page.click(`${chosen} [data-testid="assign"]`);
  await page.waitForSelector('[data-testid="candidates"]:not([open])', { state: 'attached' });
  await page.waitForSelector(undecidedRow, { state: 'detached' });
  report('assign', { candidates, source_width: sourceWidth, candidate_width: candidateWidth });

  // its before and after open side by side, both images loaded
  await page.click(byId('thumb', FAILED_JOB_ID));
  await page.waitForSelector('[data-testid="before-after"][open]');
  report('before-after', {
    before_width: await loaded('[data-testid="before-image"]'),
    after_width: await loaded('[data-testid="after-image"]'),
  });
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-before-after.png') });
  await page.click('[data-testid="before-after-close"]');

  // the picture for the README: charts, the batch still under way if it is, and the gallery
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  report('screenshot', { path: SCREENSHOT });

  // cancelling a running batch: its answer says what was cancelled, deleted at WaveSpeed or delivered
  await page.click(`${byId('batch-row', LONG_BATCH_ID)} [data-action="cancel"]`);
  await page.waitForSelector('[data-testid="action-message"]:not([hidden])');
  report('cancel', { message: await page.textContent('[data-testid="action-message"]') });

  // the cookie alone changes nothing: a POST without the page's CSRF token is refused
  const bare = await page.evaluate(() => fetch('/api/submissions/pause', { method: 'POST' })
    .then(async (response) => ({ status: response.status, error: (await response.json()).error })));
  report('post-without-csrf', bare);

  // signing out ends the session on the worker: the old cookie, put back, opens nothing
  const cookies = await page.context().cookies();
  await Promise.all([page.waitForURL(`${BASE_URL}/dashboard/login`), page.click('[data-testid="logout"]')]);
  await page.context().addCookies(cookies);
  const afterSignOut = await page.request.get(`${BASE_URL}/api/overview`, { maxRedirects: 0 });
  report('sign-out', { cookies: cookies.map((cookie) => cookie.name), status: afterSignOut.status() });
} catch (error) {
  // what the page showed when a step gave up, for whoever reads the failure
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
  throw error;
} finally {
  await browser.close();
}
