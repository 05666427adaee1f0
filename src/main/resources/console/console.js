// The operator's console: reads the admin API, /observe/metrics and the preview API of the server that
// serves it. Every value from data is written with textContent (dead letters are attacker input): this
// file never sets innerHTML. The admin token lives in this tab's sessionStorage only.
'use strict';

(function () {
  const TOKEN_KEY = 'segment-totango.admin-token';
  const WRITE_KEY = 'segment-totango.preview-write-key';
  const REFRESH_MS = 5000;
  const PAGE = 50;
  /** The dead-letter reasons the bundle gives (BundleMetrics.REASONS). */
  const REASONS = ['invalid_event', 'no_account', 'processing_error', 'unreadable_message', 'retries_exhausted', 'totango_4xx'];

  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (value === true) {
        node.setAttribute(name, '');
      } else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(name, String(value));
      }
    });
    children.flat().forEach((child) => {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    });
    return node;
  }

  function setText(id, value) {
    $(id).textContent = value === null || value === undefined ? '—' : String(value);
  }

  function notice(message, kind) {
    const box = $('notice');
    box.textContent = message || '';
    box.className = 'notice ' + (kind || '');
    box.hidden = !message;
  }

  // ------------------------------------------------------------------ token and calls

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Calls the server with the admin token; answers the parsed JSON (or text), or throws an ApiError. */
  async function call(path, options) {
    const headers = Object.assign({ Authorization: 'Bearer ' + token() }, (options && options.headers) || {});
    const response = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store', credentials: 'omit' }));
    const text = await response.text();
    let body = text;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch (notJson) {
        body = text;
      }
    }
    if (!response.ok) {
      const code = body && body.code ? body.code : 'http_' + response.status;
      const message = body && body.message ? body.message : 'The server answered ' + response.status;
      if (response.status === 401 && path.startsWith('admin/')) {
        sessionStorage.removeItem(TOKEN_KEY);
        askToken('That token was refused: type the bundle\'s bridge.admin-token.');
      }
      throw new ApiError(response.status, code, message);
    }
    return body;
  }

  function postJson(path, value) {
    return call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
  }

  function failed(error) {
    notice(error instanceof ApiError ? error.message + ' (' + error.code + ')' : 'The server cannot be reached: ' + error, 'error');
  }

  function askToken(message) {
    stopOverview();
    document.querySelectorAll('.screen').forEach((screen) => { screen.hidden = true; });
    $('nav').hidden = true;
    $('token-screen').hidden = false;
    $('token').value = '';
    notice(message, message ? 'error' : '');
    $('token').focus();
  }

  async function openWith(given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    try {
      await call('admin/dead-letter?limit=0');
    } catch (error) {
      if (error.status !== 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        askToken(error.code === 'admin_disabled' ? error.message : 'The admin API cannot be read: ' + error.message);
      }
      return;
    }
    $('token').value = '';
    $('token-screen').hidden = true;
    $('nav').hidden = false;
    notice('');
    show(location.hash.slice(1) || 'overview');
  }

  // ------------------------------------------------------------------ screens

  const screens = {
    overview: { open: startOverview, close: stopOverview },
    'dead-letters': { open: () => loadDeadLetters() },
    parked: { open: () => loadParked() },
    preview: { open: () => { $('preview-write-key').value = sessionStorage.getItem(WRITE_KEY) || ''; } },
  };
  let current = null;

  function show(name) {
    if (!screens[name]) {
      name = 'overview';
    }
    if (current && current !== name && screens[current].close) {
      screens[current].close();
    }
    current = name;
    document.querySelectorAll('.screen').forEach((screen) => { screen.hidden = screen.id !== 'screen-' + name; });
    document.querySelectorAll('#nav [data-screen]').forEach((button) => {
      button.classList.toggle('active', button.dataset.screen === name);
    });
    if (location.hash !== '#' + name) {
      history.replaceState(null, '', '#' + name);
    }
    notice('');
    screens[name].open();
  }

  // ------------------------------------------------------------------ overview

  /** Prometheus text as [{name, labels, value}], comments skipped. */
  function parseMetrics(text) {
    const samples = [];
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const row of text.split('\n')) {
      if (row.startsWith('#') || !row.trim()) {
        continue;
      }
      const match = line.exec(row);
      if (!match) {
        continue;
      }
      const labels = {};
      if (match[3]) {
        for (const pair of match[3].matchAll(label)) {
          labels[pair[1]] = pair[2].replace(/\\(.)/g, (all, c) => (c === 'n' ? '\n' : c));
        }
      }
      samples.push({ name: match[1], labels, value: Number(match[4]) });
    }
    return samples;
  }

  /** The sum of a metric's samples whose labels match; null when it has none. */
  function sum(samples, name, where) {
    let total = null;
    for (const s of samples) {
      if (s.name === name && Object.entries(where || {}).every(([k, v]) => s.labels[k] === v)) {
        total = (total || 0) + s.value;
      }
    }
    return total;
  }

  /** What the overview keeps of each reading: its time and the figures it compares over time. */
  function reading(samples) {
    const buckets = {};
    samples.filter((s) => s.name === 'totango_delivery_latency_seconds_bucket').forEach((s) => {
      buckets[s.labels.le] = (buckets[s.labels.le] || 0) + s.value;
    });
    const byReason = {};
    samples.filter((s) => s.name === 'segment_dead_letters_total').forEach((s) => {
      byReason[s.labels.reason] = (byReason[s.labels.reason] || 0) + s.value;
    });
    return {
      at: Date.now(),
      received: sum(samples, 'segment_events_received_total'),
      accepted: sum(samples, 'segment_events_accepted_total'),
      rejected: sum(samples, 'segment_dead_letters_total', { reason: 'invalid_event' }),
      delivered: sum(samples, 'totango_calls_delivered_total'),
      retried: sum(samples, 'totango_calls_retried_total'),
      latencyCount: sum(samples, 'totango_delivery_latency_seconds_count'),
      latencySum: sum(samples, 'totango_delivery_latency_seconds_sum'),
      buckets,
      backlog: sum(samples, 'totango_delivery_backlog'),
      queued: sum(samples, 'segment_requests_queued'),
      parked: sum(samples, 'segment_events_parked'),
      inFlight: sum(samples, 'totango_calls_in_flight'),
      inFlightLimit: sum(samples, 'totango_calls_in_flight_limit'),
      byReason,
    };
  }

  const history_ = [];
  let timer = null;

  function startOverview() {
    stopOverview();
    refreshOverview();
    timer = setInterval(refreshOverview, REFRESH_MS);
  }

  function stopOverview() {
    if (timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  function whole(value) {
    return value === null || value === undefined || Number.isNaN(value) ? '—' : Math.round(value).toLocaleString('en');
  }

  function seconds(value) {
    if (value === null || value === undefined || Number.isNaN(value)) {
      return '—';
    }
    return value < 1 ? Math.round(value * 1000) + ' ms' : value.toFixed(2) + ' s';
  }

  /** The 95th percentile from cumulative buckets (upper bound of the bucket it falls in). */
  function p95(buckets, count) {
    if (!count) {
      return null;
    }
    const bounds = Object.keys(buckets).filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
    for (const bound of bounds) {
      const key = Object.keys(buckets).find((le) => Number(le) === bound);
      if (buckets[key] >= 0.95 * count) {
        return bound;
      }
    }
    return null;
  }

  async function refreshOverview() {
    let now;
    try {
      now = reading(parseMetrics(await call('observe/metrics')));
    } catch (error) {
      failed(error);
      return;
    }
    history_.push(now);
    while (history_.length > 1 && now.at - history_[0].at > 10 * 60 * 1000) {
      history_.shift();
    }
    // rates over the last minute (or what the page has seen of it)
    const earlier = history_.find((r) => now.at - r.at <= 65 * 1000) || now;
    const minutes = (now.at - earlier.at) / 60000;
    const rate = (key) => (minutes > 0 && now[key] !== null && earlier[key] !== null ? (now[key] - earlier[key]) / minutes : null);
    ['received', 'accepted', 'rejected', 'delivered', 'retried'].forEach((key) => {
      setText('m-' + key, whole(now[key] === null ? 0 : now[key]));
      setText('m-' + key + '-rate', minutes > 0 ? whole(rate(key) || 0) : '—');
    });
    // latency over the last minute; when no call was delivered in it, since the start
    let since = minutes > 0 ? earlier : null;
    if (since && !((now.latencyCount || 0) - (since.latencyCount || 0))) {
      since = null;
    }
    const count = (now.latencyCount || 0) - (since ? since.latencyCount || 0 : 0);
    const total = (now.latencySum || 0) - (since ? since.latencySum || 0 : 0);
    const window = {};
    Object.keys(now.buckets).forEach((le) => { window[le] = now.buckets[le] - (since ? since.buckets[le] || 0 : 0); });
    const p = p95(window, count);
    setText('m-latency-mean', count > 0 ? seconds(total / count) : '—');
    setText('m-latency-p95', p === null ? '—' : '≤ ' + seconds(p));
    setText('m-latency-window', count === 0 ? '' : since ? '(last minute)' : '(since start)');
    setText('m-backlog', whole(now.backlog));
    setText('m-queued', whole(now.queued));
    const change = minutes > 0 && now.backlog !== null && earlier.backlog !== null ? now.backlog - earlier.backlog : null;
    setText('m-backlog-trend', change === null ? 'trend: wait a moment'
      : change > 0 ? '▲ ' + whole(change) + ' in the last minute' : change < 0 ? '▼ ' + whole(-change) + ' in the last minute' : 'steady');
    drawBacklog();
    setText('m-parked', whole(now.parked));
    setText('m-in-flight', now.inFlight === null ? '—' : whole(now.inFlight));
    setText('m-in-flight-limit', now.inFlightLimit === null ? '—' : whole(now.inFlightLimit));
    setText('overview-updated', 'updated ' + new Date(now.at).toLocaleTimeString('en-GB') + ', every ' + REFRESH_MS / 1000 + ' s');
    await refreshReasons(now.byReason);
  }

  /** The backlog over the last 10 minutes, as a line. */
  function drawBacklog() {
    const canvas = $('backlog-chart');
    const g = canvas.getContext('2d');
    g.clearRect(0, 0, canvas.width, canvas.height);
    const points = history_.filter((r) => r.backlog !== null);
    if (points.length < 2) {
      return;
    }
    const max = Math.max(1, ...points.map((r) => r.backlog));
    const first = points[0].at;
    const span = Math.max(1, points[points.length - 1].at - first);
    g.strokeStyle = '#2563eb';
    g.lineWidth = 2;
    g.beginPath();
    points.forEach((r, i) => {
      const x = ((r.at - first) / span) * (canvas.width - 4) + 2;
      const y = canvas.height - 2 - (r.backlog / max) * (canvas.height - 4);
      if (i === 0) {
        g.moveTo(x, y);
      } else {
        g.lineTo(x, y);
      }
    });
    g.stroke();
  }

  /** Dead letters by reason: kept now (the admin API's count) and made since the start (the metric). */
  async function refreshReasons(made) {
    const reasons = [...new Set([...REASONS, ...Object.keys(made)])].filter((r) => r !== 'other' || made[r]);
    let kept;
    try {
      kept = await Promise.all(reasons.map((reason) =>
        call('admin/dead-letter?limit=0&reason=' + encodeURIComponent(reason)).then((page) => page.total)));
    } catch (error) {
      failed(error);
      return;
    }
    const rows = reasons.map((reason, i) => el('tr', { 'data-reason': reason },
      el('td', null, reason), el('td', { class: 'number' }, whole(kept[i])), el('td', { class: 'number' }, whole(made[reason] || 0))));
    $('dead-letters-by-reason').tBodies[0].replaceChildren(...rows);
  }

  // ------------------------------------------------------------------ dead letters

  const letters = { offset: 0, total: 0, items: [], selected: new Set() };

  function filterQuery() {
    const parts = [];
    const add = (name, value) => { if (value) parts.push(name + '=' + encodeURIComponent(value)); };
    add('reason', $('dl-reason').value);
    add('since', $('dl-since').value);
    add('until', $('dl-until').value);
    return parts.join('&');
  }

  async function loadDeadLetters() {
    let page;
    try {
      page = await call('admin/dead-letter?' + filterQuery() + '&offset=' + letters.offset + '&limit=' + PAGE);
    } catch (error) {
      failed(error);
      return;
    }
    if (page.items.length === 0 && letters.offset > 0) {
      letters.offset = Math.max(0, letters.offset - PAGE);
      await loadDeadLetters();
      return;
    }
    letters.total = page.total;
    letters.items = page.items;
    letters.selected.clear();
    renderDeadLetters();
  }

  function renderDeadLetters() {
    const body = $('dl-table').tBodies[0];
    const rows = [];
    letters.items.forEach((letter) => {
      const box = el('input', { type: 'checkbox', 'aria-label': 'Select ' + letter.id });
      box.addEventListener('change', () => {
        if (box.checked) letters.selected.add(letter.id); else letters.selected.delete(letter.id);
        updateActions();
      });
      const details = el('tr', { class: 'details', hidden: true }, el('td', { colspan: 8 }, letterDetails(letter)));
      const toggle = el('button', { type: 'button', class: 'quiet' }, 'Show');
      toggle.addEventListener('click', () => {
        details.hidden = !details.hidden;
        toggle.textContent = details.hidden ? 'Show' : 'Hide';
      });
      const replay = el('button', { type: 'button', class: 'replay' }, 'Replay');
      replay.addEventListener('click', () => act('replay', { id: letter.id }, 1, 'this dead letter'));
      const remove = el('button', { type: 'button', class: 'delete' }, 'Delete');
      remove.addEventListener('click', () => act('delete', { id: letter.id }, 1, 'this dead letter'));
      rows.push(el('tr', { class: 'letter', 'data-id': letter.id },
        el('td', null, box),
        el('td', null, letter.lastFailureAt || ''),
        el('td', { class: 'reason' }, letter.reason || ''),
        el('td', null, (letter.kind || '') + (letter.type ? ' ' + letter.type : '')),
        el('td', { class: 'mono' }, letter.messageId || ''),
        el('td', { class: 'mono' }, letter.userId || ''),
        el('td', { class: 'status' }, letter.status === undefined || letter.status === null ? '' : letter.status),
        el('td', { class: 'row-actions' }, toggle, replay, remove)));
      rows.push(details);
    });
    body.replaceChildren(...rows);
    $('dl-select-all').checked = false;
    const shown = letters.items.length;
    setText('dl-summary', letters.total === 0 ? 'No dead letters match.'
      : (letters.offset + 1) + '–' + (letters.offset + shown) + ' of ' + letters.total + ' dead letters, oldest first');
    $('dl-prev').disabled = letters.offset === 0;
    $('dl-next').disabled = letters.offset + shown >= letters.total;
    updateActions();
  }

  /** A dead letter in full: why, Totango's status and answer, then the event or call as formatted JSON. */
  function letterDetails(letter) {
    const facts = el('dl', { class: 'facts' });
    const fact = (name, value) => {
      if (value !== undefined && value !== null && value !== '') {
        facts.append(el('dt', null, name), el('dd', null, String(value)));
      }
    };
    fact('id', letter.id);
    fact('reason', letter.reason);
    fact('detail', letter.detail);
    fact('Totango status', letter.status);
    fact('Totango answer', letter.response);
    fact('attempts', letter.attempts);
    fact('first failure', letter.firstFailureAt);
    fact('last failure', letter.lastFailureAt);
    fact('source', letter.source);
    const payload = el('pre', { class: 'json' });
    payload.textContent = typeof letter.payload === 'string' ? letter.payload : JSON.stringify(letter.payload, null, 2);
    return el('div', null, facts, el('h4', null, letter.kind === 'call' ? 'The Totango call' : 'The event'), payload);
  }

  function updateActions() {
    const n = letters.selected.size;
    $('dl-replay-selected').disabled = n === 0;
    $('dl-delete-selected').disabled = n === 0;
    $('dl-replay-selected').textContent = 'Replay selected (' + n + ')';
    $('dl-delete-selected').textContent = 'Delete selected (' + n + ')';
    const reason = $('dl-reason').value;
    $('dl-replay-reason').disabled = !reason;
    $('dl-delete-reason').disabled = !reason;
  }

  /** Asks in the page; resolves true when the operator says OK. */
  function confirmed(text) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    return new Promise((resolve) => {
      const done = (answer) => {
        $('confirm-ok').onclick = null;
        $('confirm-cancel').onclick = null;
        dialog.close();
        resolve(answer);
      };
      $('confirm-ok').onclick = () => done(true);
      $('confirm-cancel').onclick = () => done(false);
      dialog.showModal();
    });
  }

  /** Replays or deletes what the request names, once the operator confirms the count. */
  async function act(action, selection, count, what) {
    const verb = action === 'replay' ? 'Replay' : 'Delete';
    const text = count === 1 && what === 'this dead letter' ? verb + ' this dead letter?'
      : verb + ' ' + count + ' dead letter' + (count === 1 ? '' : 's') + ' (' + what + ')?';
    if (!(await confirmed(text))) {
      return;
    }
    try {
      const answer = await postJson('admin/dead-letter/' + action, selection);
      notice(action === 'replay'
        ? 'Replayed ' + answer.replayed + (answer.stillInvalid ? '; ' + answer.stillInvalid + ' still invalid, kept' : '') + '.'
        : 'Deleted ' + answer.deleted + '.', 'ok');
    } catch (error) {
      failed(error);
    }
    await loadDeadLetters();
  }

  async function actOnReason(action) {
    const reason = $('dl-reason').value;
    let total;
    try {
      total = (await call('admin/dead-letter?limit=0&reason=' + encodeURIComponent(reason))).total;
    } catch (error) {
      failed(error);
      return;
    }
    await act(action, { reason }, total, 'every ' + reason + ', whatever its date');
  }

  // ------------------------------------------------------------------ parked events

  const parked = { offset: 0 };

  function ago(iso) {
    const minutes = Math.floor((Date.now() - Date.parse(iso)) / 60000);
    if (Number.isNaN(minutes)) return '';
    if (minutes < 1) return 'less than a minute ago';
    if (minutes < 120) return minutes + ' min ago';
    return Math.floor(minutes / 60) + ' h ago';
  }

  async function loadParked() {
    let page;
    try {
      page = await call('admin/parked?offset=' + parked.offset + '&limit=' + PAGE);
    } catch (error) {
      failed(error);
      return;
    }
    const rows = [];
    page.items.forEach((item) => {
      const who = [item.userId ? 'userId ' + item.userId : null, item.anonymousId ? 'anonymousId ' + item.anonymousId : null]
        .filter(Boolean).join(', ');
      const waits = 'a group call of ' + [item.userId, item.anonymousId].filter(Boolean).join(' or ');
      const json = el('pre', { class: 'json' });
      json.textContent = JSON.stringify(item.event, null, 2);
      const details = el('tr', { class: 'details', hidden: true }, el('td', { colspan: 6 }, json));
      const toggle = el('button', { type: 'button', class: 'quiet' }, 'Show');
      toggle.addEventListener('click', () => {
        details.hidden = !details.hidden;
        toggle.textContent = details.hidden ? 'Show' : 'Hide';
      });
      rows.push(el('tr', { class: 'parked' },
        el('td', null, item.parkedAt || '', el('br'), el('small', null, ago(item.parkedAt))),
        el('td', { class: 'mono' }, who),
        el('td', null, waits),
        el('td', null, item.type || ''),
        el('td', { class: 'mono' }, item.messageId || ''),
        el('td', null, toggle)), details);
    });
    $('parked-table').tBodies[0].replaceChildren(...rows);
    setText('parked-summary', page.total === 0 ? 'No event is parked.'
      : (parked.offset + 1) + '–' + (parked.offset + page.items.length) + ' of ' + page.total + ' parked events, oldest first');
    $('parked-prev').disabled = parked.offset === 0;
    $('parked-next').disabled = parked.offset + page.items.length >= page.total;
  }

  // ------------------------------------------------------------------ preview

  async function preview() {
    const writeKey = $('preview-write-key').value.trim();
    sessionStorage.setItem(WRITE_KEY, writeKey);
    const result = $('preview-result');
    let answer;
    try {
      const response = await fetch('v1/preview', {
        method: 'POST', cache: 'no-store', credentials: 'omit', body: $('preview-input').value,
        headers: Object.assign({ 'Content-Type': 'application/json' }, writeKey ? { Authorization: 'Basic ' + btoa(writeKey + ':') } : {}),
      });
      answer = await response.json();
      if (!response.ok) {
        result.replaceChildren(el('p', { class: 'error' }, 'Refused (' + response.status + ' ' + answer.code + '): ' + answer.message));
        return;
      }
    } catch (error) {
      result.replaceChildren(el('p', { class: 'error' }, 'The preview failed: ' + error));
      return;
    }
    const calls = (answer.calls || []).map((c, i) => el('div', { class: 'call' },
      el('h4', null, 'Call ' + (i + 1) + ': ' + c.method + ' ' + c.url),
      el('p', { class: 'mono' }, 'messageId ' + (c.messageId || '')),
      el('table', { class: 'params' }, el('tbody', null, Object.entries(c.params || {}).map(([name, value]) =>
        el('tr', null, el('th', { class: 'mono' }, name), el('td', { class: 'mono' }, Array.isArray(value) ? value.join(', ') : value)))))));
    const notSent = (answer.notSent || []).map((n) => el('li', null, (n.messageId || '(no messageId)') + ': ' + n.reason));
    result.replaceChildren(
      el('p', { id: 'preview-summary' }, (answer.calls || []).length + ' Totango call(s); ' + notSent.length + ' event(s) not sent'),
      ...calls,
      notSent.length ? el('ul', { class: 'not-sent' }, notSent) : '');
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const given = $('token').value.trim();
      if (given) openWith(given);
    });
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      askToken('');
    });
    document.querySelectorAll('#nav [data-screen]').forEach((button) => {
      button.addEventListener('click', () => show(button.dataset.screen));
    });
    REASONS.forEach((reason) => $('dl-reason').append(el('option', { value: reason }, reason)));
    $('dl-reason').addEventListener('change', updateActions);
    $('dl-filter').addEventListener('submit', (e) => {
      e.preventDefault();
      letters.offset = 0;
      loadDeadLetters();
    });
    $('dl-prev').addEventListener('click', () => { letters.offset = Math.max(0, letters.offset - PAGE); loadDeadLetters(); });
    $('dl-next').addEventListener('click', () => { letters.offset += PAGE; loadDeadLetters(); });
    $('dl-select-all').addEventListener('change', () => {
      const on = $('dl-select-all').checked;
      document.querySelectorAll('#dl-table tr.letter input[type=checkbox]').forEach((box) => {
        box.checked = on;
        box.dispatchEvent(new Event('change'));
      });
    });
    $('dl-replay-selected').addEventListener('click', () =>
      act('replay', { ids: [...letters.selected] }, letters.selected.size, 'the selected ones'));
    $('dl-delete-selected').addEventListener('click', () =>
      act('delete', { ids: [...letters.selected] }, letters.selected.size, 'the selected ones'));
    $('dl-replay-reason').addEventListener('click', () => actOnReason('replay'));
    $('dl-delete-reason').addEventListener('click', () => actOnReason('delete'));
    $('parked-prev').addEventListener('click', () => { parked.offset = Math.max(0, parked.offset - PAGE); loadParked(); });
    $('parked-next').addEventListener('click', () => { parked.offset += PAGE; loadParked(); });
    $('preview-form').addEventListener('submit', (e) => {
      e.preventDefault();
      preview();
    });
    if (token()) {
      openWith(token());
    } else {
      askToken('');
    }
  });
}());
