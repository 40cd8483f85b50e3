// Charter console: the member's key in the browser, and writes through the
// HTTP API's offline signing. No build step; no dependency but htmx.
//
// The key is imported once from a PKCS#8 PEM file into WebCrypto as a
// NON-extractable ECDSA P-256 key and kept in IndexedDB (a CryptoKey is
// stored as an opaque handle: no page, this one included, can read it
// back). WebCrypto's sign(ECDSA, SHA-256) hashes the bytes itself and
// returns r‖s (64 bytes); Fabric wants ASN.1 DER with a low S, so rawToDER
// converts (S > n/2 becomes n − S). internal/console/sig_test.go checks
// that conversion against Go's crypto/ecdsa in headless Chromium.
(function () {
  'use strict';

  // The order n of P-256 and n/2.
  var N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  var HALF_N = N >> 1n;

  function bytesToBig(b) {
    var x = 0n;
    for (var i = 0; i < b.length; i++) x = (x << 8n) | BigInt(b[i]);
    return x;
  }

  function bigToBytes(x) {
    var out = [];
    while (x > 0n) { out.unshift(Number(x & 0xffn)); x >>= 8n; }
    if (out.length === 0) out.push(0);
    return out;
  }

  // derInt encodes a non-negative integer as an ASN.1 INTEGER: minimal
  // big-endian, a 0x00 prefix when the high bit is set.
  function derInt(x) {
    var b = bigToBytes(x);
    if (b[0] & 0x80) b.unshift(0);
    return [0x02, b.length].concat(b);
  }

  // rawToDER converts WebCrypto's r‖s to DER with S normalised to the
  // lower half of the order (what Fabric's MSP accepts).
  function rawToDER(raw) {
    if (!(raw instanceof Uint8Array) || raw.length !== 64) throw new Error('ECDSA P-256 signature must be 64 bytes r‖s, got ' + (raw && raw.length));
    var r = bytesToBig(raw.subarray(0, 32));
    var s = bytesToBig(raw.subarray(32, 64));
    if (r === 0n || s === 0n || r >= N || s >= N) throw new Error('ECDSA signature out of range');
    if (s > HALF_N) s = N - s;
    var body = derInt(r).concat(derInt(s));
    return new Uint8Array([0x30, body.length].concat(body));
  }

  function b64ToBytes(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64(b) {
    var s = '';
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s);
  }

  function pemToBytes(pem, label) {
    var re = new RegExp('-----BEGIN ' + label + '-----([\\s\\S]*?)-----END ' + label + '-----');
    var m = re.exec(pem);
    if (!m) throw new Error('no "' + label + '" PEM block in the file');
    return b64ToBytes(m[1].replace(/\s+/g, ''));
  }

  // ---- IndexedDB: one store, one record "member" {key, certificate, mspId, id, short}.
  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open('charter-console', 1);
      req.onupgradeneeded = function () { req.result.createObjectStore('identity'); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function idb(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction('identity', mode);
        var req = fn(tx.objectStore('identity'));
        tx.oncomplete = function () { resolve(req && req.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function loadMember() { return idb('readonly', function (s) { return s.get('member'); }); }
  function saveMember(m) { return idb('readwrite', function (s) { return s.put(m, 'member'); }); }
  function forgetMember() { return idb('readwrite', function (s) { return s.delete('member'); }); }

  function setCookie(v) {
    document.cookie = 'charter_member=' + v + '; path=/; SameSite=Strict' + (v ? '' : '; max-age=0');
  }

  async function signBytes(key, bytes) {
    var raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, bytes));
    return rawToDER(raw);
  }

  // importKey imports the PEM key non-extractable, asks the server which
  // identity the certificate names, and proves the key matches the
  // certificate (the server verifies a signature over the certificate's
  // bytes with the certificate's public key) before keeping either.
  async function importIdentity(mspId, keyPem, certPem) {
    var key = await crypto.subtle.importKey('pkcs8', pemToBytes(keyPem, 'PRIVATE KEY'),
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    var proof = await signBytes(key, new TextEncoder().encode(certPem));
    var resp = await fetch('/console/identity', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mspId: mspId, certificate: certPem, proof: bytesToB64(proof) })
    });
    var body = await resp.json();
    if (!resp.ok) throw new Error(body.detail || resp.statusText);
    await saveMember({ key: key, certificate: certPem, mspId: body.mspId, id: body.id, short: body.short });
    setCookie(body.cookie);
    return body;
  }

  function apiBase() { return document.body.getAttribute('data-api-base') || '/v1'; }

  async function api(method, path, body, headers) {
    var h = Object.assign({ 'Accept': 'application/json' }, headers || {});
    if (body !== undefined) h['Content-Type'] = 'application/json';
    var resp = await fetch(apiBase() + path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    var text = await resp.text();
    var json = {};
    try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { detail: text }; }
    if (!resp.ok) {
      var err = new Error((json.code ? json.code + ': ' : '') + (json.detail || json.title || resp.statusText));
      err.status = resp.status;
      throw err;
    }
    return json;
  }

  function say(el, text, state) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove('failed', 'committed');
    if (state) el.classList.add(state);
  }

  var sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };

  // write runs the offline-signing flow: prepare (201 signing), sign the
  // proposal, endorse, sign the transaction, submit (202 job), poll the job.
  async function write(path, body, statusEl) {
    var m = await loadMember();
    if (!m) throw new Error('No member key in this browser: import yours on "Your identity" first.');
    body.signer = { mspId: m.mspId, certificate: m.certificate };
    say(statusEl, 'Preparing the transaction…');
    var prep = await api('POST', path, body);
    var signing = prep.signing;
    say(statusEl, 'Signing the proposal with your key, in this browser…');
    var endorsed = await api('POST', '/signing/' + signing.id + '/endorse',
      { signature: bytesToB64(await signBytes(m.key, b64ToBytes(signing.proposal))) });
    say(statusEl, 'Endorsed. Signing the transaction…');
    var submitted = await api('POST', '/signing/' + signing.id + '/submit',
      { signature: bytesToB64(await signBytes(m.key, b64ToBytes(endorsed.transaction))) },
      { 'Idempotency-Key': signing.id });
    var job = submitted.job;
    say(statusEl, 'Submitted (transaction ' + job.txId.slice(0, 12) + '…); waiting for the ledger…');
    for (var i = 0; i < 60 && job.status === 'submitted'; i++) {
      job = await api('GET', '/jobs/' + job.id + '?waitFor=' + encodeURIComponent(job.txId));
      if (job.status === 'submitted') await sleep(1000);
    }
    job.result = endorsed.result;
    if (job.status === 'committed') {
      say(statusEl, 'Committed in block ' + (job.blockHeight - 1) + '.', 'committed');
    } else if (job.status === 'failed') {
      say(statusEl, 'Refused: ' + (job.code ? job.code + ': ' : '') + (job.detail || 'the transaction was not valid'), 'failed');
    } else {
      say(statusEl, 'Still waiting for the ledger; transaction ' + job.txId + '.', '');
    }
    return job;
  }

  function bodyOf(form) {
    var kind = form.getAttribute('data-kind');
    switch (kind) {
      case 'choice': {
        var c = form.querySelector('input[name=choice]:checked');
        if (!c) throw new Error('Choose an option first.');
        return { choice: c.value };
      }
      case 'quadratic': {
        var allocs = [];
        form.querySelectorAll('input[name=alloc]').forEach(function (i) {
          var v = parseInt(i.value, 10);
          if (v > 0) allocs.push({ choice: i.getAttribute('data-choice'), votes: v });
        });
        if (!allocs.length) throw new Error('Put at least one vote on a choice.');
        return { allocations: allocs };
      }
      case 'delegate':
        return { topic: form.getAttribute('data-topic'), legs: [{ to: { mspId: form.getAttribute('data-to-msp'), id: form.getAttribute('data-to-id') }, percent: 100 }] };
      case 'revoke':
        return { topic: form.querySelector('[name=topic]').value };
      case 'contribute':
        return { project: form.getAttribute('data-project'), amount: parseInt(form.querySelector('[name=amount]').value, 10) };
      case 'open-round': {
        var cats = [];
        form.querySelectorAll('input[name=category]:checked').forEach(function (c) { cats.push(c.value); });
        if (!cats.length) throw new Error('Choose at least one category.');
        var num = function (n) { return parseInt(form.querySelector('[name=' + n + ']').value, 10) || 0; };
        var opens = new Date(Date.now() + num('opensIn') * 60000);
        var closes = new Date(opens.getTime() + num('window') * 60000);
        var rule = { kind: form.querySelector('[name=rule]').value };
        if (num('capBps') > 0) rule.capBps = num('capBps');
        if (num('pairwiseM') > 0) rule.pairwiseM = num('pairwiseM');
        var b = { title: form.querySelector('[name=title]').value, categories: cats, rule: rule, pool: num('pool'),
          budgetDecision: form.querySelector('[name=budgetDecision]').value.trim(), opensAt: opens.toISOString(), closesAt: closes.toISOString() };
        var d = form.querySelector('[name=description]').value;
        if (d) b.description = d;
        return b;
      }
      case 'pause':
        return { kind: form.getAttribute('data-target-kind'), target: form.getAttribute('data-target'), reason: form.querySelector('[name=reason]').value };
      case 'deposit': {
        var field = function (n) { return form.querySelector('[name=' + n + ']'); };
        var amount = field('amount').value.trim();
        var n = Number(amount);
        if (!/^[0-9]+$/.test(amount) || n < 1) {
          throw invalid(field('amount'), 'Amount: give a whole number of at least 1, without sign or decimals' + (amount ? ' ("' + amount + '" is not one).' : '.'));
        }
        if (!Number.isSafeInteger(n)) throw invalid(field('amount'), 'Amount: at most ' + Number.MAX_SAFE_INTEGER + ' from the console.');
        var reference = field('reference').value.trim();
        if (!reference) throw invalid(field('reference'), 'Reference: give the asset\'s external reference.');
        var why = field('reason').value.trim();
        if (!why) throw invalid(field('reason'), 'Reason: say what the deposit is.');
        return { account: field('account').value, amount: n, reference: reference, reason: why };
      }
      case 'statement': {
        // delegation:SetStatement's rule (chaincode/text): required, not
        // blank, at most data-max characters (code points, not UTF-16
        // units). The chaincode checks the characters and stays the
        // authority.
        var box = form.querySelector('[name=text]');
        var max = parseInt(box.getAttribute('data-max'), 10);
        var text = box.value;
        if (!text.trim()) throw invalid(box, 'Your statement: write what you stand for; it cannot be empty or only spaces.');
        var len = Array.from(text).length;
        if (max > 0 && len > max) throw invalid(box, 'Your statement: at most ' + max + ' characters; this one has ' + len + '.');
        return { text: text };
      }
      case 'signer-only':
        return {};
      case 'reason': {
        var reason = form.querySelector('[name=reason]').value.trim();
        if (!reason) throw new Error('Give a reason first.');
        return { reason: reason };
      }
    }
    throw new Error('unknown form kind ' + kind);
  }

  // invalid is a form error that names its field: onWrite marks the
  // field invalid and puts the focus on it.
  function invalid(field, message) {
    var e = new Error(message);
    e.field = field;
    return e;
  }

  function refreshAfter(form) {
    var sel = form.getAttribute('data-refresh');
    if (sel && window.htmx) {
      var el = document.querySelector(sel);
      if (el) window.htmx.trigger(el, 'charter:refresh');
    }
    var standing = document.getElementById('standing');
    if (standing && window.htmx) {
      window.htmx.ajax('GET', location.pathname.replace(/\/$/, '') + '/standing', { target: '#standing', swap: 'outerHTML' });
    }
  }

  // reloadRegions re-reads the page after a committed write and swaps in
  // the regions marked data-region (the facts, the approvals, the actions)
  // without a reload; it says what happened in #write-result (a status
  // region outside them)
  // and puts the focus on the next action's button, or on the region.
  async function reloadRegions(message) {
    var resp = await fetch(location.pathname + location.search, { headers: { 'Accept': 'text/html' } });
    if (!resp.ok) return;
    var doc = new DOMParser().parseFromString(await resp.text(), 'text/html');
    document.querySelectorAll('[data-region]').forEach(function (el) {
      var fresh = doc.getElementById(el.id);
      if (fresh) el.innerHTML = fresh.innerHTML;
    });
    var out = document.getElementById('write-result') || document.getElementById('announce');
    if (out) out.textContent = message;
    var next = document.querySelector('[data-region] form.write button[type=submit]');
    var heading = document.querySelector('[data-focus-after-write]');
    if (next) next.focus(); else if (heading) heading.focus();
  }

  function onWrite(ev) {
    var form = ev.target.closest('form.write');
    if (!form) return;
    ev.preventDefault();
    var status = form.querySelector('.write-status');
    var button = form.querySelector('button[type=submit]');
    var body;
    say(status, '');
    form.querySelectorAll('[aria-invalid]').forEach(function (f) { f.removeAttribute('aria-invalid'); });
    try { body = bodyOf(form); } catch (e) {
      say(status, e.message, 'failed');
      if (e.field) { e.field.setAttribute('aria-invalid', 'true'); e.field.focus(); }
      return;
    }
    button.disabled = true;
    write(form.getAttribute('data-write'), body, status)
      .then(function (job) {
        if (job.status !== 'committed') return;
        if (form.getAttribute('data-reset') === 'yes') form.reset();
        if (form.getAttribute('data-reload') === 'yes') {
          return reloadRegions((status ? status.textContent + ' ' : '') + 'The page shows the ledger as it is now.');
        }
        refreshAfter(form);
        var id = job.result && job.result.id;
        var out = form.querySelector('#open-result');
        if (out && id) {
          out.textContent = '';
          var a = document.createElement('a');
          a.href = '/rounds/' + encodeURIComponent(id);
          a.id = 'opened-round';
          a.textContent = 'Round ' + id + ' is recorded: manage it';
          out.appendChild(a);
        }
      })
      .catch(function (e) { say(status, 'Refused: ' + e.message, 'failed'); })
      .finally(function () { button.disabled = false; });
  }

  function wireImport() {
    var form = document.getElementById('import-form');
    if (!form) return;
    var status = document.getElementById('import-status');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var keyFile = form.querySelector('#keyfile').files[0];
      var certFile = form.querySelector('#certfile').files[0];
      if (!keyFile || !certFile) { say(status, 'Choose both files.', 'failed'); return; }
      say(status, 'Importing…');
      Promise.all([keyFile.text(), certFile.text()])
        .then(function (t) { return importIdentity(form.querySelector('#msp').value.trim(), t[0], t[1]); })
        .then(function (id) {
          say(status, 'Imported: writes will be signed as ' + id.short + '. The key cannot be read back from this browser.', 'committed');
          document.getElementById('identity-current').textContent = 'A key for ' + id.short + ' is held here.';
          document.getElementById('forget-identity').hidden = false;
          var signer = document.getElementById('signer');
          if (signer) signer.textContent = 'Writes are signed as ' + id.short + ', with the key held in this browser.';
        })
        .catch(function (e) { say(status, 'Import failed: ' + e.message, 'failed'); });
    });
    var forget = document.getElementById('forget-identity');
    forget.addEventListener('click', function () {
      forgetMember().then(function () {
        setCookie('');
        document.getElementById('identity-current').textContent = 'No member key is held here.';
        forget.hidden = true;
      });
    });
  }

  // Live results: the API's Server-Sent Events (one event per block that
  // changed the ballot) trigger a refresh; htmx also polls as a fallback.
  // A change of the vote count is announced once (not every poll).
  function wireResults() {
    var region = document.getElementById('results-region');
    if (!region) return;
    var lastVotes = null;
    var table = document.getElementById('results-table');
    if (table) lastVotes = table.getAttribute('data-votes');
    region.addEventListener('htmx:afterSwap', function () {
      var t = document.getElementById('results-table');
      var v = t && t.getAttribute('data-votes');
      if (v !== null && v !== lastVotes) {
        lastVotes = v;
        document.getElementById('announce').textContent = 'Results updated: ' + v + ' votes counted so far.';
      }
    });
    var stream = region.getAttribute('data-stream');
    if (stream && window.EventSource) {
      var es = new EventSource(apiBase() + stream);
      es.addEventListener('results', function () { window.htmx && window.htmx.trigger(region, 'charter:refresh'); });
      es.onerror = function () { if (es.readyState === EventSource.CLOSED) es.close(); };
    }
  }

  // A pause that starts or lapses while the guardian page is open is
  // announced once.
  function wireGuardian() {
    var region = document.getElementById('status-region');
    if (!region) return;
    var state = function () { var p = document.getElementById('pause-state'); return p && p.getAttribute('data-in-force'); };
    var last = state();
    region.addEventListener('htmx:afterSwap', function () {
      var now = state();
      if (now !== last) {
        last = now;
        document.getElementById('announce').textContent = now === 'yes' ? 'A pause is now in force.' : 'The pause has lapsed.';
      }
    });
  }

  // Audit export: stream the API's NDJSON (one row per transaction or per
  // block), count rows as they arrive, and offer the whole file for
  // download. A stream that breaks (or ends before the last block the
  // server announced) is resumed from the block of the last complete
  // row: that block's rows are dropped and asked for again, at most
  // maxResumes times.
  var maxResumes = 3;

  function newlines(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++;
    return n;
  }

  function joinChunks(chunks) {
    var len = 0;
    chunks.forEach(function (c) { len += c.length; });
    var all = new Uint8Array(len), at = 0;
    chunks.forEach(function (c) { all.set(c, at); at += c.length; });
    return all;
  }

  // cutAtBlock keeps the complete rows of all before the block of its last
  // complete row; it answers the kept bytes and that block (null: no
  // complete row).
  function cutAtBlock(all, blockOf) {
    var end = all.lastIndexOf(10);
    if (end < 0) return { kept: all.subarray(0, 0), block: null };
    var dec = new TextDecoder();
    var lineAt = function (stop) { // the start of the line ending at stop
      var s = stop - 1;
      while (s >= 0 && all[s] !== 10) s--;
      return s + 1;
    };
    var start = lineAt(end);
    var block = blockOf(JSON.parse(dec.decode(all.subarray(start, end))));
    var cut = start;
    while (cut > 0) {
      var prev = lineAt(cut - 1);
      if (blockOf(JSON.parse(dec.decode(all.subarray(prev, cut - 1)))) !== block) break;
      cut = prev;
    }
    return { kept: all.subarray(0, cut), block: block };
  }

  function wireExport() {
    var form = document.getElementById('export-form');
    if (!form) return;
    var status = document.getElementById('export-status');
    var link = document.getElementById('export-download');
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var blocks = form.querySelector('input[name=rows]:checked').value === 'blocks';
      var path = blocks ? '/audit/blocks' : '/audit/transactions';
      var blockOf = blocks ? function (r) { return r.number; } : function (r) { return r.block; };
      var from = form.from.value, to = form.to.value;
      link.hidden = true;
      link.setAttribute('download', blocks ? 'charter-audit.ndjson' : 'charter-audit-transactions.ndjson');
      say(status, 'Exporting…');
      var chunks = [], rows = 0, shown = 0, resumes = 0, resumedAt = [];
      try {
        for (;;) {
          var q = new URLSearchParams();
          if (from !== '') q.set('from', from);
          if (to !== '') q.set('to', to);
          var broken = null;
          try {
            var resp = await fetch(apiBase() + path + '?' + q.toString(), { headers: { 'Accept': 'application/x-ndjson' } });
            if (!resp.ok) {
              var p = await resp.json().catch(function () { return {}; });
              var err = new Error(p.detail || resp.statusText);
              err.final = true;
              throw err;
            }
            // Every resumption asks for the blocks the first answer covered.
            var announced = resp.headers.get('Charter-Audit-To');
            if (to === '' && announced !== null) to = announced;
            var reader = resp.body.getReader();
            for (;;) {
              var r = await reader.read();
              if (r.done) break;
              chunks.push(r.value);
              rows += newlines(r.value);
              if (rows - shown >= 1000) { shown = rows; say(status, 'Exporting… ' + rows + ' rows so far.'); }
            }
          } catch (e) {
            if (e.final) throw e;
            broken = e;
          }
          var all = joinChunks(chunks);
          chunks = [all];
          var complete = all.length === 0 || all[all.length - 1] === 10;
          if (!broken && complete && to !== '' && all.length > 0) {
            var last = all.lastIndexOf(10, all.length - 2) + 1;
            if (String(blockOf(JSON.parse(new TextDecoder().decode(all.subarray(last, all.length - 1))))) !== String(to)) broken = new Error('the stream ended before block ' + to);
          } else if (!broken && !complete) {
            broken = new Error('the stream ended inside a row');
          }
          if (!broken) break;
          if (resumes >= maxResumes) throw new Error(broken.message + ' (after ' + resumes + ' resumptions)');
          resumes++;
          var c = cutAtBlock(all, blockOf);
          chunks = [c.kept];
          rows = newlines(c.kept);
          shown = rows;
          if (c.block !== null) from = String(c.block);
          resumedAt.push(from === '' ? '0' : from);
          say(status, 'The stream broke (' + broken.message + '); resuming from block ' + (from === '' ? '0' : from) + ' with ' + rows + ' rows kept…');
        }
        link.href = URL.createObjectURL(new Blob(chunks, { type: 'application/x-ndjson' }));
        link.hidden = false;
        link.setAttribute('data-rows', String(rows));
        var msg = 'Export complete: ' + rows + ' rows.';
        if (resumes > 0) msg += ' The stream broke ' + (resumes === 1 ? 'once' : resumes + ' times') + '; the export resumed from block ' + resumedAt.join(', then ') + '.';
        say(status, msg, 'committed');
      } catch (e) {
        say(status, 'Export failed: ' + e.message, 'failed');
      }
    });
  }

  // ---- the round manager: accept many, close in pages, propose the payout.
  // Every action is the offline-signing write above, signed by the
  // member's key in this browser.

  function refreshRound() {
    var live = document.getElementById('round-live');
    if (live && window.htmx) window.htmx.trigger(live, 'charter:refresh');
  }

  // busy marks a manager button as working (aria-disabled, not disabled:
  // a disabled button drops the keyboard focus) and refuses a second run
  // while one is under way; it answers whether the caller may proceed.
  function busy(button, on) {
    if (on && button.getAttribute('aria-disabled') === 'true') return false;
    if (on) button.setAttribute('aria-disabled', 'true'); else button.removeAttribute('aria-disabled');
    return true;
  }

  // retrying runs a write again (at most three more times) when the
  // network, not the chaincode, failed it: a peer that has not yet
  // committed the previous acceptance endorses other bytes than its
  // neighbours ("ProposalResponsePayloads do not match"), or the gateway is
  // unavailable, or the proposal reached the peers later than the clock
  // skew allows because signing it took long (the clock-skew guard refuses
  // it before endorsing; a new proposal carries a fresh timestamp).
  // Nothing was ordered, so asking again cannot commit twice; any other
  // chaincode refusal (a 4xx problem) is final.
  async function retrying(op) {
    for (var attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        var transient = (e.status >= 500) || /do not match|away from this peer's clock/.test(e.message);
        if (!transient || attempt >= 3) throw e;
        await sleep(300 * (attempt + 1));
      }
    }
  }

  function wireManager() {
    var accept = document.getElementById('accept-form');
    if (accept) {
      var all = document.getElementById('accept-all');
      var boxes = function () { return Array.prototype.slice.call(document.querySelectorAll('input[name=accept][form=accept-form]')); };
      all.addEventListener('change', function () { boxes().forEach(function (b) { if (!b.disabled) b.checked = all.checked; }); });
      accept.addEventListener('submit', async function (ev) {
        ev.preventDefault();
        var status = document.getElementById('accept-status');
        var button = document.getElementById('accept-button');
        var chosen = boxes().filter(function (b) { return b.checked && !b.disabled; });
        if (!chosen.length) { say(status, 'Select at least one project first.', 'failed'); return; }
        if (!busy(button, true)) return;
        var done = 0, failed = [];
        // One after another: each acceptance updates the round's count of
        // accepted projects, so concurrent ones would conflict.
        for (var i = 0; i < chosen.length; i++) {
          var box = chosen[i], project = box.value;
          say(status, 'Accepting ' + (i + 1) + ' of ' + chosen.length + ' (' + project + ')…');
          try {
            var job = await retrying(function () {
              return write('/rounds/' + encodeURIComponent(accept.getAttribute('data-round')) + '/acceptances', { project: project }, null);
            });
            if (job.status !== 'committed') throw new Error(job.code ? job.code + ': ' + (job.detail || '') : 'not committed yet');
            done++;
            box.checked = false;
            box.disabled = true;
            var row = box.closest('tr');
            var cell = row && row.querySelector('.project-status');
            if (cell) cell.textContent = 'accepted';
          } catch (e) {
            failed.push(project + ' (' + e.message + ')');
          }
        }
        all.checked = false;
        busy(button, false);
        say(status, 'Accepted ' + done + ' of ' + chosen.length + ' projects.' + (failed.length ? ' Refused: ' + failed.join('; ') : ''), failed.length ? 'failed' : 'committed');
        status.setAttribute('data-accepted', String(done));
        refreshRound();
      });
    }

    var close = document.getElementById('close-form');
    if (close) {
      close.addEventListener('submit', async function (ev) {
        ev.preventDefault();
        var status = document.getElementById('close-status');
        var button = document.getElementById('close-button');
        var size = parseInt(close.querySelector('[name=pageSize]').value, 10);
        var body = function () { return size > 0 ? { pageSize: size } : {}; };
        if (!busy(button, true)) return;
        try {
          // Pages until the chaincode says done (bounded: a round has at
          // most a few thousand pages of 500 contributions).
          for (var page = 1; page <= 10000; page++) {
            say(status, 'Signing close page ' + page + '…');
            var job = await retrying(function () {
              return write('/rounds/' + encodeURIComponent(close.getAttribute('data-round')) + '/close', body(), null);
            });
            if (job.status !== 'committed') throw new Error(job.code ? job.code + ': ' + (job.detail || '') : 'page ' + page + ' is not committed yet; submit again to resume');
            var p = job.result || {};
            if (p.done) {
              var r = p.results || {};
              say(status, 'Closed in ' + page + ' pages: ' + (r.lines ? r.lines.length : 0) + ' projects, ' + (r.matched || 0) + ' of ' + (r.pool || 0) + ' matched.', 'committed');
              status.setAttribute('data-closed', 'yes');
              document.getElementById('round-status').textContent = 'closed';
              refreshRound();
              return;
            }
            say(status, 'Page ' + page + ' committed: ' + (p.phase || '') + ', ' + (p.projectsRead || 0) + ' of ' + (p.projects || 0) + ' projects read.');
          }
        } catch (e) {
          say(status, 'Refused: ' + e.message, 'failed');
        } finally {
          busy(button, false);
        }
      });
    }

    var pay = document.getElementById('pay-form');
    if (pay) {
      pay.addEventListener('submit', async function (ev) {
        ev.preventDefault();
        var status = document.getElementById('pay-status');
        var button = document.getElementById('pay-button');
        if (!busy(button, true)) return;
        try {
          var job = await write('/rounds/' + encodeURIComponent(pay.getAttribute('data-round')) + '/payout', {}, status);
          if (job.status === 'committed') {
            var sp = job.result && job.result.spend;
            say(status, 'Payout proposed: treasury spend ' + (sp ? sp.id + ' of ' + sp.total + ' to ' + (sp.payees || []).length + ' payees' : '') + '.', 'committed');
            refreshRound();
          }
        } catch (e) {
          say(status, 'Refused: ' + e.message, 'failed');
        } finally {
          busy(button, false);
        }
      });
    }
  }

  window.charterConsole = { rawToDER: rawToDER, bytesToB64: bytesToB64, b64ToBytes: b64ToBytes, signBytes: signBytes, importIdentity: importIdentity };

  document.addEventListener('submit', onWrite);
  document.addEventListener('DOMContentLoaded', function () { wireImport(); wireResults(); wireGuardian(); wireExport(); wireManager(); });
})();
