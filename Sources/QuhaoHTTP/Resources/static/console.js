// Quhao window console: keyboard first (F1–F9), left open all day.
// State comes from GET /api/v1/counters/{site}/{counter} (long-poll with ETag). Every ticket
// action carries `expecting` (the ticket this screen shows), so a click repeated after a network
// failure, or made on a stale screen, is refused by the server instead of acting twice.
(() => {
  'use strict';
  const S = JSON.parse(document.getElementById('strings').textContent);
  const $ = (id) => document.getElementById(id);
  const site = document.body.dataset.site;
  const counter = Number(document.body.dataset.counter);
  const base = `/api/v1/counters/${encodeURIComponent(site)}/${counter}`;
  const en = S.lang === 'en';
  const fill = (text, params) => (text || '').replace(/\{(\w+)\}/g, (_, key) => (key in params ? params[key] : ''));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  let view = null; // the last console view
  let etag = null;
  let skew = 0; // server clock minus ours, ms
  let busy = false;
  let expired = false;
  let poller = null; // AbortController of the running poll

  // MARK: rendering

  const name = (item) => (en && item.name_en) || item.name;
  const held = () => (view && view.current) || null;
  const serverNow = () => Date.now() + skew;

  function render() {
    if (!view) return;
    const ticket = held();
    $('status').textContent = view.counter.paused ? S.paused : S.open;
    $('status').className = 'badge ' + (view.counter.paused ? 'paused' : 'open');
    $('pause-label').textContent = view.counter.paused ? S.resume : S.pause;
    // The hall printer's last failure (cleared once a ticket prints again).
    $('printer').hidden = !view.printer_problem;
    $('printer').textContent = view.printer_problem ? view.printer_problem : '';
    $('idle').hidden = !!ticket;
    $('ticket').hidden = !ticket;
    if (ticket) {
      $('t-number').textContent = ticket.number;
      $('t-service').textContent = (en && ticket.service_name_en) || ticket.service_name;
      $('t-green').hidden = ticket.priority !== 'green';
      $('t-state').textContent = S['state_' + ticket.state] || ticket.state;
      $('t-state').dataset.state = ticket.state;
      $('t-identity').textContent = ticket.identity_masked || '—';
      $('t-phone').textContent = ticket.phone_masked || '—';
      // Whether the visitor was reached by text, and when (a reminder of another ticket is stale).
      const reminder = view.reminder && view.reminder.ticket === ticket.id ? view.reminder : null;
      $('t-reached').textContent = reminder ? reminder.text : '—';
      $('t-reached').dataset.reached = reminder && reminder.reached ? 'yes' : 'no';
      $('t-waited').textContent = fill(S.waited, { minutes: Math.round(ticket.waited_seconds / 60) });
      $('t-recalls').textContent = fill(S.recalls, { n: ticket.recall_count });
      $('t-transfers').textContent = fill(S.transfers, { n: ticket.transfer_count });
    }
    tick();
    $('queues').replaceChildren(
      ...view.queues.map((queue) => {
        const li = document.createElement('li');
        const prefix = document.createElement('b');
        prefix.textContent = queue.prefix;
        const label = document.createElement('span');
        label.className = 'name';
        label.textContent = name(queue);
        const count = document.createElement('span');
        count.className = 'count';
        count.textContent = fill(S.waiting_n, { n: queue.waiting }) + (queue.remote ? ' · ' + fill(S.remote_n, { n: queue.remote }) : '');
        const next = document.createElement('span');
        next.className = 'next';
        next.textContent = queue.next ? fill(S.next_is, { number: queue.next }) : '';
        li.append(prefix, label, count, next);
        return li;
      }),
    );
    // Today's bookings of this window's business types, per slot.
    const bookings = view.bookings || [];
    $('bookings-section').hidden = bookings.length === 0;
    $('bookings').replaceChildren(
      ...bookings.map((slot) => {
        const li = document.createElement('li');
        const prefix = document.createElement('b');
        prefix.textContent = slot.prefix;
        const time = document.createElement('span');
        time.className = 'name';
        time.textContent = slot.time;
        const count = document.createElement('span');
        count.className = 'count';
        count.textContent =
          fill(S.booking_slot, { booked: slot.booked, capacity: slot.capacity, arrived: slot.arrived }) +
          (slot.missed ? ' · ' + fill(S.booking_missed, { n: slot.missed }) : '');
        li.append(prefix, time, count);
        return li;
      }),
    );
    $('served').textContent = fill(S.served_n, { n: view.served_today });
    $('rating').textContent =
      view.rating.count > 0 ? '★ ' + fill(S.rating, { average: view.rating.average.toFixed(2), n: view.rating.count }) : S.no_rating;
    $('calls').replaceChildren(
      ...view.recent_calls.map((call) => {
        const li = document.createElement('li');
        const time = new Date(call.at).toLocaleTimeString(en ? 'en-GB' : 'zh-CN', {
          hour: '2-digit',
          minute: '2-digit',
          timeZone: view.site.time_zone,
        });
        li.textContent = `${call.number}  ${time}${call.recall ? '  (' + S.recall_mark + ')' : ''}`;
        return li;
      }),
    );
    enableButtons();
  }

  /// Which actions make sense now; the server checks again, this only guides the hands.
  function allowed(action) {
    if (!view || busy || expired) return false;
    const ticket = held();
    const paused = view.counter.paused;
    switch (action) {
      case 'call-next':
        return !paused || !!ticket;
      case 'call':
        return !paused && !ticket;
      case 'recall':
      case 'start':
      case 'no-show':
        return !!ticket && ticket.state === 'called';
      case 'complete':
      case 'transfer':
        return !!ticket;
      default:
        return true;
    }
  }

  function enableButtons() {
    for (const button of document.querySelectorAll('[data-action]')) button.disabled = !allowed(button.dataset.action);
  }

  /// The clock and the timers of the held ticket, every second.
  function tick() {
    const now = new Date(serverNow());
    // The hall's time, whatever the PC's zone.
    const zone = view ? view.site.time_zone : undefined;
    $('clock').textContent = now.toLocaleTimeString(en ? 'en-GB' : 'zh-CN', { hour12: false, timeZone: zone });
    const ticket = held();
    if (!ticket) return;
    if (ticket.state === 'serving' && ticket.started_at) {
      $('t-timer').textContent = fill(S.serving_for, { minutes: Math.floor((now - new Date(ticket.started_at)) / 60000) });
    } else if (ticket.called_at) {
      $('t-timer').textContent = fill(S.called_for, { seconds: Math.max(0, Math.floor((now - new Date(ticket.called_at)) / 1000)) });
    }
  }

  // `reprint`: a ticket number whose slip may be printed again (a button after the text).
  function say(text, isError, reprint) {
    const box = $('message');
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'message' + (isError ? ' error' : '');
    if (text && reprint) {
      const again = document.createElement('button');
      again.type = 'button';
      again.className = 'reprint';
      again.textContent = S.reprint;
      again.title = fill(S.reprint_title, { number: reprint });
      again.addEventListener('click', () => reprintSlip(reprint));
      box.append(' ', again);
    }
  }

  // Says what became of a slip: printed, on its way, or not printed and why (with the button again).
  function sayPrinted(prefix, data, number) {
    const failed = !['printed', 'queued'].includes(data.printing);
    say((prefix ? prefix + ' ' : '') + (data.printing_message || ''), failed, number);
  }

  async function reprintSlip(number) {
    if (busy) return;
    busy = true;
    enableButtons();
    say('');
    try {
      const data = await post('reprint', { number: number });
      // Printed (or still printing): said; refused (the printer failed): the reason, with the button again.
      if (data) sayPrinted('', data, number);
      else say($('message').textContent, true, number);
    } finally {
      busy = false;
      enableButtons();
    }
  }

  function showExpired() {
    expired = true;
    const back = location.pathname + location.search;
    $('sign-in-again').href = '/staff/login?next=' + encodeURIComponent(back);
    $('expired').hidden = false;
    enableButtons();
  }

  // MARK: the live state

  /// Polls for ever: at once after a change we made, else waiting up to 25 s for the next change.
  async function poll() {
    let backoff = 1000;
    for (;;) {
      if (expired) return;
      poller = new AbortController();
      try {
        const headers = { Accept: 'application/json' };
        if (etag) headers['If-None-Match'] = etag;
        const response = await fetch(base + (etag ? '?wait=25' : ''), { headers, cache: 'no-store', signal: poller.signal });
        if (response.status === 401) return showExpired();
        if (response.status !== 304) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          const fresh = await response.json();
          etag = response.headers.get('ETag');
          // Server times are whole seconds: only correct a clock that is clearly off.
          const offset = new Date(fresh.now).getTime() - Date.now();
          skew = Math.abs(offset) > 2000 ? offset : 0;
          view = fresh;
          render();
        }
        $('offline').hidden = true;
        backoff = 1000;
      } catch (error) {
        if (error.name === 'AbortError') continue; // asked to read again now
        $('offline').hidden = false;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 8000);
      }
    }
  }

  /// Reads the state again now instead of waiting for the running long-poll.
  function refreshNow() {
    etag = null;
    if (poller) poller.abort();
  }

  // MARK: actions

  /// POSTs an action; returns the answer's JSON, or null after saying what went wrong.
  async function post(action, body) {
    let response;
    try {
      response = await fetch(`${base}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body || {}),
        cache: 'no-store',
      });
    } catch (error) {
      // The request may or may not have reached the server: never resend it blindly.
      say(S.stale_retry, true);
      return null;
    }
    if (response.status === 401) {
      showExpired();
      return null;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(data.detail || 'HTTP ' + response.status, true);
      return null;
    }
    return data;
  }

  async function act(action, body) {
    if (busy || !allowed(action)) return null;
    busy = true;
    enableButtons();
    say('');
    try {
      const ticket = held();
      const expecting = ticket ? { expecting: ticket.id } : {};
      let data;
      if (action === 'complete' && ticket && ticket.state === 'called') {
        // "Complete" on a called ticket: the visitor came and was served; start, then complete.
        data = (await post('start', expecting)) && (await post('complete', expecting));
      } else {
        data = await post(action, Object.assign({}, ['call-next', 'call', 'pause', 'resume', 'issue'].includes(action) ? {} : expecting, body));
      }
      if (data && data.already_held) say(fill(S.already_held, { number: data.number }));
      if (data && data.ticket && action === 'issue') {
        const issued = fill(S.issued, { number: data.ticket.number });
        if (data.printing) sayPrinted(issued, data, data.ticket.number);
        else say(issued);
      }
      if (data && view && data.number && action !== 'issue') {
        // Show the answer at once; the poll confirms it a moment later.
        view.current = ['called', 'serving'].includes(data.state) && data.counter === counter ? data : null;
        render();
      }
      return data;
    } finally {
      busy = false;
      enableButtons();
      refreshNow();
    }
  }

  // MARK: dialogs

  function options(select, services, except) {
    select.replaceChildren(
      ...services
        .filter((service) => service.id !== except)
        .map((service) => {
          const option = document.createElement('option');
          option.value = service.id;
          option.textContent = `${service.prefix} · ${name(service)}`;
          return option;
        }),
    );
  }

  /// Opens a dialog; `onOk` returns true to close it (false keeps it open to show an error).
  function dialog(id, prepare, onOk) {
    const element = $(id);
    const form = element.querySelector('form');
    prepare(element);
    form.querySelector('.cancel').onclick = () => element.close();
    form.onsubmit = async (event) => {
      event.preventDefault();
      if (await onOk(element)) element.close();
    };
    element.showModal();
  }

  const handlers = {
    transfer: () =>
      dialog(
        'transfer-dialog',
        () => options($('transfer-service'), view.services, held() && held().service),
        async () => {
          await act('transfer', { service: $('transfer-service').value });
          return true;
        },
      ),
    call: () =>
      dialog(
        'call-dialog',
        () => {
          $('call-number').value = '';
          setTimeout(() => $('call-number').focus(), 0);
        },
        async () => {
          await act('call', { number: $('call-number').value.trim().toUpperCase() });
          return true;
        },
      ),
    pause: () => act(view && view.counter.paused ? 'resume' : 'pause'),
    issue: () =>
      dialog(
        'issue-dialog',
        () => {
          options($('issue-service'), view.services);
          for (const id of ['issue-identity', 'issue-phone']) $(id).value = '';
          $('issue-green').checked = false;
          $('issue-override').checked = false;
          $('issue-error').hidden = true;
        },
        async () => {
          const body = {
            service: $('issue-service').value,
            identity: $('issue-identity').value.trim() || undefined,
            phone: $('issue-phone').value.trim() || undefined,
            priority: $('issue-green').checked ? 'green' : 'normal',
            identity_override: $('issue-override').checked,
          };
          const data = await act('issue', body);
          if (!data) {
            $('issue-error').textContent = $('message').textContent;
            $('issue-error').hidden = false;
          }
          return !!data;
        },
      ),
  };

  function run(action) {
    if (!allowed(action)) return;
    (handlers[action] || (() => act(action)))();
  }

  for (const button of document.querySelectorAll('[data-action]')) {
    button.addEventListener('click', () => run(button.dataset.action));
  }
  const keys = {};
  for (const button of document.querySelectorAll('[data-key]')) keys[button.dataset.key] = button.dataset.action;
  document.addEventListener('keydown', (event) => {
    if (!(event.key in keys)) return;
    // F1 (help) and F5 (reload) belong to the console here.
    event.preventDefault();
    if (document.querySelector('dialog[open]') || event.repeat) return;
    run(keys[event.key]);
  });

  setInterval(tick, 1000);
  enableButtons();
  poll();
})();
