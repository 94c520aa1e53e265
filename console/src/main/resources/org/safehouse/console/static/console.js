// Safehouse console: live updates (Server-Sent Events), lock keystroke, small helpers.
// Loaded from the console itself ('self'); no inline script anywhere.
(function () {
  'use strict';
  var body = document.body;
  var page = body.getAttribute('data-page');
  var csrf = body.getAttribute('data-csrf');

  function lock() {
    var form = document.getElementById('lock-form');
    if (form) { form.submit(); }
  }
  document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'l' || e.key === 'L')) {
      e.preventDefault();
      lock();
    }
  });

  function replace(id, url) {
    fetch(url, { credentials: 'same-origin' }).then(function (r) {
      if (r.redirected || !r.ok) { window.location.href = '/'; return null; }
      return r.text();
    }).then(function (html) {
      var el = document.getElementById(id);
      if (html !== null && el) {
        el.innerHTML = html;
        if (id === 'messages') { el.scrollTop = el.scrollHeight; }
      }
    });
  }

  if (window.EventSource) {
    var events = new EventSource('/events');
    events.addEventListener('locked', function () { window.location.href = '/'; });
    events.addEventListener('state', function () {
      if (page === 'unlocking' || page === 'unlock') { window.location.href = '/'; }
    });
    // Linking this console as a new device: the approval (or a failure) changes the state.
    if (page === 'linking') {
      var linkDone = function () { window.location.href = '/link'; };
      events.addEventListener('state', linkDone);
      events.addEventListener('open', function () {
        fetch('/unlock/status', { credentials: 'same-origin' }).then(function (r) { return r.text(); })
          .then(function (s) { if (s !== 'linking') { linkDone(); } });
      });
    }
    // Whatever changed before this page's stream (re)opened is fetched when it opens.
    events.addEventListener('open', function () { refresh(''); });
    events.addEventListener('history', function (e) { refresh(e.data); });
    events.addEventListener('alert', function () { replace('case-alerts', '/alerts'); });
  }
  function refresh(changed) {
    if (document.getElementById('case-alerts') && changed === '') { replace('case-alerts', '/alerts'); }
    if (page === 'thread') {
      var thread = document.getElementById('messages');
      var id = thread && thread.getAttribute('data-thread');
      if (id && (changed === id || changed === '')) { replace('messages', '/thread/' + id + '/messages'); }
    }
    if (page) {
      if (page === 'cases') {
        var q = document.getElementById('q');
        replace('case-list', '/cases/list?q=' + encodeURIComponent(q ? q.value : ''));
      } else if (page === 'conversation') {
        var list = document.getElementById('messages');
        var peer = list && list.getAttribute('data-peer');
        if (peer && (changed === peer || changed === '')) {
          replace('messages', '/c/' + peer + '/messages');
        }
      }
    }
  }

  if (page === 'unlocking') {
    var poll = function () {
      fetch('/unlock/status', { credentials: 'same-origin' }).then(function (r) { return r.text(); })
        .then(function (s) { if (s !== 'unlocking') { window.location.href = '/'; } else { setTimeout(poll, 300); } });
    };
    setTimeout(poll, 300);
  }

  var send = document.getElementById('send-form');
  if (send) {
    send.addEventListener('submit', function () {
      var state = document.getElementById('send-state');
      if (state) { state.textContent = body.getAttribute('data-sending'); }
      var button = document.getElementById('send');
      if (button) { button.disabled = true; }
    });
    var text = document.getElementById('text');
    if (text && !text.disabled) {
      text.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send.requestSubmit(); }
      });
    }
    var list = document.getElementById('messages');
    if (list) { list.scrollTop = list.scrollHeight; }
  }

  var copy = document.getElementById('copy');
  if (copy) {
    copy.addEventListener('click', function () {
      var input = document.getElementById(copy.getAttribute('data-copy'));
      input.select();
      var done = function () { document.getElementById('copy-state').textContent = body.getAttribute('data-copied'); };
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand('copy'); done(); }); }
      else { document.execCommand('copy'); done(); }
    });
  }
  void csrf;
})();

// Files: attach one (its bytes go to the console, which encrypts and uploads them), download a
// received one; both run in the console's background and this page polls their progress.
(function () {
  'use strict';
  var csrf = document.body.getAttribute('data-csrf');
  var form = document.getElementById('attach-form');
  if (!form) { return; }
  var peer = form.getAttribute('data-peer');
  var bar = document.getElementById('transfer-progress');
  var state = document.getElementById('transfer-state');
  var link = document.getElementById('file-link');

  function poll(id, onDone) {
    fetch('/c/' + peer + '/transfer?t=' + id, { credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (s) {
        if (s.indexOf('running ') === 0) {
          bar.value = parseInt(s.substring(8), 10);
          state.textContent = bar.value + '%';
          setTimeout(function () { poll(id, onDone); }, 200);
        } else if (s.indexOf('done ') === 0) {
          bar.value = 100;
          onDone(s.substring(5));
        } else {
          state.textContent = s.substring(6);
        }
      });
  }
  function start(url, bodyData, type, onDone) {
    bar.hidden = false;
    bar.value = 0;
    state.textContent = '0%';
    link.hidden = true;
    fetch(url, {
      method: 'POST', credentials: 'same-origin', body: bodyData,
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': type }
    }).then(function (r) { return r.text(); }).then(function (id) { poll(id, onDone); });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('attach-file');
    var file = input.files[0];
    if (!file) { return; }
    start('/c/' + peer + '/attach?name=' + encodeURIComponent(file.name) +
        '&type=' + encodeURIComponent(file.type || ''), file, 'application/octet-stream',
      function (removed) {
        state.textContent = state.getAttribute('data-sent') +
          (removed ? ' ' + state.getAttribute('data-removed') + ' ' + removed : '');
        input.value = '';
      });
  });
  var files = document.getElementById('received-files');
  if (files) {
    files.addEventListener('click', function (e) {
      var b = e.target;
      if (!b.classList || !b.classList.contains('download')) { return; }
      var id = b.getAttribute('data-id');
      var name = b.getAttribute('data-name');
      start('/c/' + peer + '/download', 'a=' + id, 'application/x-www-form-urlencoded',
        function () {
          link.href = '/c/' + peer + '/file?a=' + id + '&name=' + encodeURIComponent(name);
          link.textContent = state.getAttribute('data-save') + ': ' + name;
          link.hidden = false;
          state.textContent = '100%';
        });
    });
  }
})();
