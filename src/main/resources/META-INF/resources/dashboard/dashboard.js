// The operator dashboard: reads /api every 2 s with the login cookie and draws it; no libraries, no build.
'use strict';

const REFRESH_MS = 2000;
const BATCH_PAGE = 20;
const GALLERY_SIZE = 12;
const GALLERY_CANDIDATES = 48; // the newest completed jobs, of which the gallery shows those finished last
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
// the session's, handed over by the page: the worker refuses a cookie's POST without it
const CSRF_TOKEN = document.querySelector('meta[name="csrf-token"]').content;
// what a retry pays when it submits a new task (WAVESPEED_PRICE_PER_IMAGE)
const PRICE_PER_IMAGE = document.querySelector('meta[name="price-per-image"]').content;
const FLAGGED = 'flagged as NSFW by WaveSpeed, blurred: click to show';

const state = {
  batchCursors: [null], // the cursor of each page visited, so that "First page" can go back
  retryRefusals: new Map(), // job id -> reason the API gave for refusing a free retry
  galleryIds: '',
  canaryIds: '', // the batches whose canary panels are drawn, so that their images are not loaded again
  leaving: false, // on the way to the login form: no more refreshes, and one navigation only
};

function toLogin() {
  if (!state.leaving) {
    state.leaving = true;
    window.location.assign('/dashboard/login');
  }
}

// Job and batch ids may hold '/' and ':'. Encoded whole ('/' as %2F), an id is one path segment, so
// no id can add segments to the route; only '.' and '..' would still be dot segments, and intake refuses them.
function idPath(id) {
  if (id === '.' || id === '..') {
    throw new Error(`the id "${id}" cannot be written into a path`);
  }
  return encodeURIComponent(id);
}

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function money(value) {
  return value == null ? '–' : `$${Number(value).toFixed(2)}`;
}

function clock(instant) {
  return instant ? new Date(instant).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '–';
}

async function api(method, path, body) {
  const headers = method === 'GET' ? {} : { 'X-CSRF-Token': CSRF_TOKEN };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    // the session ended or the cookie went: sign in again
    toLogin();
  }
  const json = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, json };
}

async function act(method, path, body) {
  const answer = await api(method, path, body);
  if (!answer.ok && answer.status !== 409) {
    showProblem(`${method} ${path}: ${answer.json.error || answer.json.message || answer.status}`);
  }
  await refresh();
  return answer;
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = !text;
}

// ---- totals -------------------------------------------------------------------------------------

function drawTotals(overview) {
  const account = overview.account || {};
  $('account-state').textContent = account.state === 'refused'
    ? `WaveSpeed refused the key since ${clock(account.since)}${account.reason ? ` (${account.reason})` : ''}`
    : 'Account accepted';
  $('account-state').className = `big ${account.state === 'refused' ? 'bad' : 'good'}`;

  const paused = overview.submissions_paused_at;
  $('submissions-state').textContent = paused ? `Submissions paused since ${clock(paused)}` : 'Submitting';
  $('submissions-state').className = `big ${paused ? 'warn' : 'good'}`;
  const toggle = $('submissions-toggle');
  toggle.hidden = false;
  toggle.textContent = paused ? 'Resume submissions' : 'Pause submissions';
  toggle.dataset.action = paused ? 'resume' : 'pause';

  const cap = Math.max(overview.concurrency_cap || 0, 1);
  const inFlight = overview.in_flight || 0;
  $('in-flight-bar').firstElementChild.style.width = `${Math.min(100, (100 * inFlight) / cap)}%`;
  $('in-flight').textContent = `${inFlight} in flight, cap ${overview.concurrency_cap ?? '–'}`;

  const submitted = overview.submitted_last_5m || 0;
  const limited = overview.rate_limited_last_5m || 0;
  $('rate-limited').textContent = submitted + limited === 0 ? 'none'
    : `${limited} of ${submitted + limited} (${Math.round((100 * limited) / (submitted + limited))}%)`;

  const counts = (overview.totals && overview.totals.counts) || {};
  $('job-counts').textContent = Object.keys(counts).length === 0 ? 'no jobs yet'
    : Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(' · ');
}

// ---- charts: one bar per minute of the last hour, drawn by hand --------------------------------

const CHART = { width: 600, height: 160, minutes: 60, top: 12, bottom: 18 };

function minuteSlots(activity) {
  const now = Math.floor(Date.now() / 60000);
  const slots = Array.from({ length: CHART.minutes }, () => null);
  for (const minute of activity || []) {
    const index = CHART.minutes - 1 - (now - Math.floor(new Date(minute.minute).getTime() / 60000));
    if (index >= 0 && index < CHART.minutes) {
      slots[index] = minute;
    }
  }
  return slots;
}

function bars(svg, slots, layers, format) {
  const plot = CHART.height - CHART.top - CHART.bottom;
  const totals = slots.map((slot) => (slot ? layers.reduce((sum, layer) => sum + Number(slot[layer] || 0), 0) : 0));
  const max = Math.max(...totals, 0);
  const step = CHART.width / CHART.minutes;
  let shapes = `<line class="axis" x1="0" x2="${CHART.width}" y1="${CHART.top + plot}" y2="${CHART.top + plot}"/>`;
  slots.forEach((slot, index) => {
    let y = CHART.top + plot;
    for (const layer of layers) {
      const value = slot ? Number(slot[layer] || 0) : 0;
      if (value > 0) {
        const height = (value / max) * plot;
        y -= height;
        shapes += `<rect class="${layer}" x="${index * step + 1}" y="${y}" width="${step - 2}" height="${height}">`
          + `<title>${clock(slot.minute)}: ${format(value)} ${layer.replace('_usd', '')}</title></rect>`;
      }
    }
  });
  shapes += `<text x="2" y="10">${max > 0 ? `max ${format(max)}/min` : 'nothing in the last hour'}</text>`
    + `<text x="2" y="${CHART.height - 3}">-60 min</text><text x="${CHART.width - 2}" y="${CHART.height - 3}" text-anchor="end">now</text>`;
  svg.innerHTML = shapes;
}

function drawCharts(overview) {
  const slots = minuteSlots(overview.activity);
  bars($('chart-throughput'), slots, ['completed', 'failed', 'cancelled'], (n) => n);
  bars($('chart-spend'), slots, ['spend_usd'], (usd) => money(usd));
  const hour = (overview.activity || []).reduce((sum, minute) => sum + Number(minute.spend_usd || 0), 0);
  $('spend-total').textContent = `${money(hour)} in the last hour · ${money(overview.totals && overview.totals.spend_usd)} in all`;
}

// ---- batches ------------------------------------------------------------------------------------

/** What is still to come of a batch announced with its size: images to pay, reused so far, the tier's time for them. */
function projection(batch) {
  if (batch.batch_size == null || ['cancelled', 'completed'].includes(batch.state)) {
    return '';
  }
  return `<br><small data-testid="batch-projection" data-to-pay="${batch.to_pay}" data-reused="${batch.reused}">
    ${batch.batch_size} images · ${batch.reused} reused · ${batch.to_pay} to pay
    (${money(Number(batch.projected_usd) - Number(batch.spend_usd))}) · ~${seconds(batch.tier_seconds_to_finish)} on the tier</small>`;
}

function seconds(total) {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${total % 60}s` : `${total}s`;
}

function batchRow(batch) {
  // a request rejected at intake is a member that ended without becoming a job
  const ended = batch.ended + batch.rejected;
  const total = Math.max(batch.jobs + batch.rejected, batch.batch_size || 0);
  const percent = total === 0 ? 0 : Math.round((100 * ended) / total);
  const failed = Object.entries(batch.failures || {}).map(([code, n]) => `${n} ${code}`).join(', ');
  const named = batch.batch_id !== '';
  const buttons = !named || ['cancelled', 'completed'].includes(batch.state) ? ''
    : `${batch.state === 'paused'
      ? '<button type="button" data-action="resume">Resume</button>'
      : '<button type="button" data-action="pause">Pause</button>'}
       <button type="button" class="danger" data-action="cancel">Cancel</button>`;
  return `<tr data-testid="batch-row" data-batch-id="${esc(batch.batch_id)}">
    <td>${named ? esc(batch.batch_id) : '<em>jobs without a batch</em>'}</td>
    <td><span class="state ${esc(batch.state)}" data-testid="batch-state">${esc(batch.state)}</span></td>
    <td><div class="bar"><div class="fill" style="width:${percent}%"></div></div>
        <span data-testid="batch-progress" data-ended="${ended}" data-total="${total}">${ended} / ${total}</span>
        ${failed ? `<span class="bad"> · failed: ${esc(failed)}</span>` : ''}
        ${batch.rejected ? `<span class="bad"> · rejected: ${batch.rejected}</span>` : ''}</td>
    <td>${batch.eta ? clock(batch.eta) : '–'}<br><small>${batch.jobs_per_minute}/min</small></td>
    <td>${money(batch.spend_usd)}</td>
    <td>${money(batch.projected_usd)}${projection(batch)}</td>
    <td class="actions">${buttons}</td>
  </tr>`;
}

async function drawBatches() {
  const cursor = state.batchCursors[state.batchCursors.length - 1];
  const page = await api('GET', `/api/batches?limit=${BATCH_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  if (!page.ok) {
    return;
  }
  const rows = page.json.batches || [];
  $('batches').tBodies[0].innerHTML = rows.length ? rows.map(batchRow).join('')
    : '<tr><td colspan="7" class="empty">no batches yet</td></tr>';
  $('batches-next').hidden = !page.json.next_cursor;
  $('batches-next').dataset.cursor = page.json.next_cursor || '';
  $('batches-first').hidden = state.batchCursors.length === 1;
  return rows;
}

async function onBatchAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const id = button.closest('tr').dataset.batchId;
  const action = button.dataset.action;
  if (action === 'cancel' && !window.confirm(`Cancel batch ${id}? Its queued jobs will not run, and its running`
      + ' tasks are deleted at WaveSpeed.')) {
    return;
  }
  const answer = await act('POST', `/api/batches/${idPath(id)}/${action}`);
  // a cancel deletes running tasks over a while: its answer says how far that has come, and what was delivered
  if (action === 'cancel' && answer.ok) {
    $('action-message').textContent = `Batch ${id}: ${answer.json.message}`;
    $('action-message').hidden = false;
  }
}

// ---- canaries awaiting approval ------------------------------------------------------------------

function canaryPair(job) {
  const after = job.outputs.length
    ? `<img src="/api/jobs/${idPath(job.job_id)}/outputs/0" alt="after" data-testid="canary-after">`
    : `<p class="bad">${esc(job.error ? `${job.error.code}: ${job.error.message}` : job.status)}</p>`;
  return `<figure class="canary-pair" data-testid="canary-pair" data-job-id="${esc(job.job_id)}">
    <div class="images"><img src="/api/jobs/${idPath(job.job_id)}/source" alt="before" data-testid="canary-before">${after}</div>
    <figcaption>${esc(job.job_id)} · ${esc(job.status)} · ${money(job.cost_usd)}</figcaption></figure>`;
}

async function canaryPanel(batch) {
  const answer = await api('GET', `/api/batches/${idPath(batch.batch_id)}/canary`);
  const jobs = answer.ok ? answer.json : [];
  const cost = jobs.reduce((sum, job) => sum + Number(job.cost_usd || 0), 0);
  const waiting = (batch.counts && batch.counts.awaiting_approval) || 0;
  return `<div class="canary" data-testid="canary" data-batch-id="${esc(batch.batch_id)}">
    <p><strong>${esc(batch.batch_id)}</strong>: its canary of ${jobs.length} cost ${money(cost)};
      <span data-testid="canary-waiting">${waiting}</span> jobs wait, projected ${money(batch.projected_usd)} in all.</p>
    <div class="canary-pairs">${jobs.map(canaryPair).join('')}</div>
    <button type="button" data-action="approve" data-testid="canary-approve">Approve</button>
    <button type="button" class="danger" data-action="reject" data-testid="canary-reject">Reject</button>
  </div>`;
}

async function drawCanaries(batches) {
  const waiting = (batches || []).filter((batch) => batch.state === 'awaiting_approval');
  const ids = waiting.map((batch) => batch.batch_id).join('\n');
  if (ids === state.canaryIds) {
    return; // unchanged: keep the loaded pairs
  }
  state.canaryIds = ids;
  $('canaries-section').hidden = waiting.length === 0;
  $('canaries').innerHTML = (await Promise.all(waiting.map(canaryPanel))).join('');
}

async function onCanaryDecision(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const id = button.closest('[data-batch-id]').dataset.batchId;
  const approve = button.dataset.action === 'approve';
  if (!window.confirm(approve ? `Approve batch ${id}? Its waiting jobs are submitted and paid for.`
    : `Reject batch ${id}? Its waiting jobs are cancelled; nothing more is paid.`)) {
    return;
  }
  button.disabled = true;
  state.canaryIds = null; // drawn again after the decision, also when no batch is left waiting
  const answer = await act('POST', `/api/batches/${idPath(id)}/${button.dataset.action}`);
  if (answer.status === 409) {
    showProblem(`${button.dataset.action} ${id}: ${answer.json.error}`);
  }
}

// ---- failed jobs --------------------------------------------------------------------------------

function failedRow(job) {
  const refusal = state.retryRefusals.get(job.job_id);
  // its task may be one of several that settlement could not tell apart: an operator can pick it
  const undecided = job.error && job.error.code === 'submission_outcome_unknown';
  // its outputs were held for review: nothing is left to deliver, so a retry is a new task, paid again
  const flagged = job.error && job.error.code === 'output_flagged';
  return `<tr data-testid="failed-job" data-job-id="${esc(job.job_id)}"${flagged ? ' data-new-task="true"' : ''}>
    <td>${esc(job.job_id)}</td>
    <td>${esc(job.batch_id || '')}</td>
    <td><code data-testid="error-code">${esc(job.error && job.error.code)}</code> ${esc(job.error && job.error.message)}</td>
    <td>${job.attempts}${job.retries ? ` (${job.retries} retried)` : ''}</td>
    <td>${clock(job.finished_at)}</td>
    <td class="actions">${undecided
      ? '<button type="button" data-action="candidates" data-testid="show-candidates">Candidates</button>' : ''}
      ${flagged ? '<button type="button" class="quiet" data-action="review" data-testid="review-flagged">Review</button>' : ''}
      ${flagged && !refusal
      ? `<button type="button" class="danger" data-action="pay-again" data-testid="retry-new-task"
         title="${esc(newTaskNote())}">Retry (new paid task, $${esc(PRICE_PER_IMAGE)})</button>`
      : refusal
      ? `<span class="warn" data-testid="retry-refusal">${esc(refusal)}</span>
         <button type="button" class="danger" data-action="pay-again" data-testid="retry-pay-again">Retry and pay again</button>`
      : '<button type="button" data-action="retry" data-testid="retry">Retry</button>'}</td>
  </tr>`;
}

async function drawFailedJobs() {
  const page = await api('GET', '/api/jobs?status=FAILED&limit=50');
  if (!page.ok) {
    return;
  }
  const jobs = page.json.jobs || [];
  $('failed-jobs').tBodies[0].innerHTML = jobs.length ? jobs.map(failedRow).join('')
    : '<tr><td colspan="6" class="empty">no failed jobs</td></tr>';
}

function newTaskNote() {
  return `Retry submits a new paid task ($${PRICE_PER_IMAGE}); the flagged outputs stay held for review.`;
}

async function onRetry(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const id = button.closest('tr').dataset.jobId;
  if (button.dataset.action === 'candidates') {
    await openCandidates(id);
    return;
  }
  if (button.dataset.action === 'review') {
    await openBeforeAfter(id);
    return;
  }
  const payAgain = button.dataset.action === 'pay-again';
  const question = button.closest('tr').dataset.newTask ? `${newTaskNote()} Retry ${id}?`
    : `Retry ${id} and pay for it again?`;
  if (payAgain && !window.confirm(question)) {
    return;
  }
  button.disabled = true;
  const answer = await api('POST', `/api/jobs/${idPath(id)}/retry?pay_again=${payAgain}`);
  if (answer.status === 409 && !payAgain) {
    state.retryRefusals.set(id, answer.json.message || 'refused');
  } else {
    state.retryRefusals.delete(id);
    if (!answer.ok) {
      showProblem(`Retry of ${id}: ${answer.json.message || answer.json.error || answer.status}`);
    }
  }
  await refresh();
}

// ---- an undecided job's candidate tasks, beside its source --------------------------------------

async function openCandidates(id) {
  const answer = await api('GET', `/api/jobs/${idPath(id)}/candidates`);
  if (!answer.ok) {
    showProblem(`Candidates of ${id}: ${answer.json.message || answer.json.error || answer.status}`);
    return;
  }
  const dialog = $('candidates');
  dialog.dataset.jobId = id;
  $('candidates-title').textContent = id;
  $('candidates-source').src = `/api/jobs/${idPath(id)}/source`;
  const candidates = answer.json || [];
  $('candidates-list').innerHTML = candidates.length ? candidates.map((candidate) => `<figure
      data-testid="candidate" data-prediction-id="${esc(candidate.prediction_id)}">
      ${candidate.outputs.length ? `<img src="${esc(candidate.outputs[0])}" alt="${esc(candidate.prediction_id)}">`
        : '<p class="empty">no output kept</p>'}
      <figcaption>${esc(candidate.prediction_id)} · created ${clock(candidate.created_at)} · ${esc(candidate.status)}
        · likeness ${candidate.likeness == null ? 'unknown' : Number(candidate.likeness).toFixed(2)}</figcaption>
      <button type="button" data-action="assign" data-testid="assign"${candidate.outputs.length ? '' : ' disabled'}>Assign to this job</button>
    </figure>`).join('')
    : '<p class="empty">no candidate tasks were kept for this job</p>';
  dialog.showModal();
}

async function onAssign(event) {
  const button = event.target.closest('button[data-action="assign"]');
  if (!button) {
    return;
  }
  const id = $('candidates').dataset.jobId;
  const predictionId = button.closest('[data-prediction-id]').dataset.predictionId;
  if (!window.confirm(`Deliver task ${predictionId}'s outputs as job ${id}'s? Nothing is paid again.`)) {
    return;
  }
  button.disabled = true;
  const answer = await act('POST', `/api/jobs/${idPath(id)}/assign`, { prediction_id: predictionId });
  if (answer.ok) {
    $('candidates').close();
  } else {
    showProblem(`Assign ${predictionId} to ${id}: ${answer.json.message || answer.json.error || answer.status}`);
  }
}

// ---- before and after ---------------------------------------------------------------------------

async function drawGallery() {
  const page = await api('GET', `/api/jobs?status=COMPLETED&limit=${GALLERY_CANDIDATES}`);
  if (!page.ok) {
    return;
  }
  // the API lists newest first; a retried job is old but has just finished
  const jobs = (page.json.jobs || []).filter((job) => job.has_outputs)
    .sort((a, b) => (b.finished_at || '').localeCompare(a.finished_at || '')).slice(0, GALLERY_SIZE);
  const ids = jobs.map((job) => job.job_id).join('\n');
  if (ids === state.galleryIds) {
    return; // unchanged: keep the loaded thumbnails
  }
  state.galleryIds = ids;
  $('gallery').innerHTML = jobs.length ? jobs.map((job) => `<button type="button"
      class="thumb${job.flagged ? ' blurred' : ''}" data-testid="thumb" data-job-id="${esc(job.job_id)}"
      title="${esc(job.job_id)}"${job.flagged ? ` aria-label="${esc(`${job.job_id}: ${FLAGGED}`)}"` : ''}>
      <img src="/api/jobs/${idPath(job.job_id)}/outputs/0" alt="${esc(job.job_id)}" loading="lazy">
      <span>${esc(job.job_id)}</span></button>`).join('')
    : '<p class="empty">no completed jobs yet</p>';
}

// A flagged image stays blurred until clicked (or Enter/Space); answers whether this click revealed one.
function reveal(element) {
  if (!element.classList.contains('blurred')) {
    return false;
  }
  element.classList.remove('blurred');
  element.removeAttribute('aria-label');
  return true;
}

async function openBeforeAfter(id) {
  $('before-after-title').textContent = id;
  $('before-after-reused').hidden = true;
  $('before-image').src = `/api/jobs/${idPath(id)}/source`;
  const view = await api('GET', `/api/jobs/${idPath(id)}`);
  const output = view.ok && (view.json.outputs || [])[0];
  const flagged = Boolean(output && output.has_nsfw_contents);
  const after = $('after-image');
  after.classList.toggle('blurred', flagged);
  after.tabIndex = flagged ? 0 : -1;
  if (flagged) {
    after.setAttribute('aria-label', `output ${FLAGGED}`);
  } else {
    after.removeAttribute('aria-label');
  }
  $('after-caption').textContent = flagged ? 'After (output, flagged as NSFW)' : 'After (output)';
  after.src = `/api/jobs/${idPath(id)}/outputs/0`;
  $('before-after').showModal();
  const job = await api('GET', `/api/jobs/${idPath(id)}`);
  if (job.ok && job.json.reused_from) {
    $('before-after-reused').textContent = `Copies of the outputs of ${job.json.reused_from}: an identical request, nothing paid`;
    $('before-after-reused').hidden = false;
  }
}

// ---- refresh loop -------------------------------------------------------------------------------

async function refresh() {
  try {
    const overview = await api('GET', '/api/overview');
    if (overview.ok) {
      drawTotals(overview.json);
      drawCharts(overview.json);
    }
    await Promise.all([drawBatches().then(drawCanaries), drawFailedJobs(), drawGallery()]);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('updated').dataset.updates = String(Number($('updated').dataset.updates || 0) + 1);
  } catch (error) {
    $('updated').textContent = `worker not answering (${error.message})`;
  }
}

async function loop() {
  await refresh();
  if (!state.leaving) {
    setTimeout(loop, REFRESH_MS);
  }
}

// Sign-out changes something too, so it goes with the CSRF token, which a plain form post cannot carry.
async function signOut(event) {
  event.preventDefault();
  state.leaving = true; // a refresh answered 401 from here on must not navigate on its own
  await fetch('/dashboard/logout', { method: 'POST', headers: { 'X-CSRF-Token': CSRF_TOKEN }, redirect: 'manual' });
  window.location.assign('/dashboard/login');
}

document.addEventListener('DOMContentLoaded', () => {
  $('logout-form').addEventListener('submit', signOut);
  $('submissions-toggle').addEventListener('click', (event) => act('POST', `/api/submissions/${event.target.dataset.action}`));
  $('batches').addEventListener('click', onBatchAction);
  $('canaries').addEventListener('click', onCanaryDecision);
  $('batches-next').addEventListener('click', (event) => {
    state.batchCursors.push(event.target.dataset.cursor);
    refresh();
  });
  $('batches-first').addEventListener('click', () => {
    state.batchCursors = [null];
    refresh();
  });
  $('failed-jobs').addEventListener('click', onRetry);
  $('candidates-list').addEventListener('click', onAssign);
  $('gallery').addEventListener('click', (event) => {
    const thumb = event.target.closest('[data-job-id]');
    if (thumb && !reveal(thumb)) {
      openBeforeAfter(thumb.dataset.jobId);
    }
  });
  $('after-image').addEventListener('click', (event) => reveal(event.target));
  $('after-image').addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && reveal(event.target)) {
      event.preventDefault();
    }
  });
  $('open-job-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('open-job-id').value.trim();
    if (id) {
      openBeforeAfter(id);
    }
  });
  loop();
});
