// Live updates for pages that work fully without this script. The page names what it shows
// (data-live="post:12" on a section, data-live-user on <body>); this script follows those
// channels over one websocket, puts the pushed HTML (rendered by the server with the page's own
// partials) in place, and announces changes politely. It never moves the reader's scroll
// position or focus. On reconnect (with backoff) it asks each channel for everything since the
// last event it saw; the server reaches back a safety window, and events already seen (by id)
// or elements already on the page (by element id) are not added twice.
(function () {
  'use strict';
  if (!('WebSocket' in window) || !document.body) return;
  var body = document.body;
  var pageSince = Number(body.getAttribute('data-live-since')) || Date.now();
  var channels = [];
  var lists = document.querySelectorAll('[data-live]');
  for (var i = 0; i < lists.length; i++) channels.push(lists[i].getAttribute('data-live'));
  if (body.getAttribute('data-live-user')) channels.push(body.getAttribute('data-live-user'));
  channels = channels.filter(function (c, n) { return c && channels.indexOf(c) === n; });
  if (!channels.length) return;

  var lastAt = {};
  // Catch-up reaches back a window before the page was rendered: what happened by then, the page
  // already shows, so it is put in place (nothing changes) but not announced again.
  function isNews(m) { return m.at > pageSince; }
  var seen = new Set();
  var seenOrder = [];
  var socket = null;
  var attempt = 0;
  var stopped = false;

  // ---- announcing --------------------------------------------------------------------
  var announcer = document.getElementById('live-announcer');
  var pending = [];
  var announceTimer = null;
  function announce(text) {
    if (!announcer || !text) return;
    pending.push(text);
    if (announceTimer) return;
    // Grouped, so a burst is one short message rather than a stream: the same text repeated is
    // said once with its count; two different ones (a comment and the notification it brought)
    // are both said; beyond that, the count and the latest.
    announceTimer = setTimeout(function () {
      var counts = {};
      var order = [];
      pending.forEach(function (text) {
        if (!counts[text]) order.push(text);
        counts[text] = (counts[text] || 0) + 1;
      });
      var said = function (text) { return counts[text] > 1 ? counts[text] + ' × ' + text : text; };
      var message = order.length <= 2 ? order.map(said).join(' ') : pending.length + ' × ' + pending[pending.length - 1];
      pending = [];
      announceTimer = null;
      announcer.textContent = '';
      setTimeout(function () { announcer.textContent = message; }, 50);
    }, 700);
  }

  // ---- keeping the reader where they are ------------------------------------------------
  function withAnchor(change) {
    var anchor = document.elementFromPoint(window.innerWidth / 2, 2);
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    if (anchor && anchor.isConnected) {
      var delta = anchor.getBoundingClientRect().top - before;
      if (delta) window.scrollBy(0, delta);
    }
  }

  function parse(html) {
    var t = document.createElement('template');
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  // Replaces old with new, except around the focused element, which is kept and patched in place.
  function patch(oldEl, newEl) {
    var active = document.activeElement;
    if (!active || !oldEl.contains(active)) {
      // Replies under a comment are not part of a pushed comment: keep them.
      var replies = oldEl.querySelector(':scope > .comment-list--replies');
      if (replies && !newEl.querySelector(':scope > .comment-list--replies')) newEl.appendChild(replies);
      oldEl.replaceWith(newEl);
      return;
    }
    if (oldEl === active) return;
    var oldKids = Array.prototype.slice.call(oldEl.children);
    var newKids = Array.prototype.slice.call(newEl.children);
    if (oldKids.length !== newKids.length) return;
    for (var k = 0; k < oldKids.length; k++) {
      if (oldKids[k].isEqualNode(newKids[k])) continue;
      if (oldKids[k].tagName === newKids[k].tagName && oldKids[k].contains(active)) patch(oldKids[k], newKids[k]);
      else if (!oldKids[k].classList.contains('comment-list--replies')) oldKids[k].replaceWith(newKids[k]);
    }
  }

  // What the page marked for this reader and the server cannot know when it pushes (a reply
  // still unread when the page was opened) stays as the page showed it.
  function keepReaderMarks(oldEl, newEl) {
    if (!oldEl.classList.contains('reply--unread') || newEl.classList.contains('reply--unread')) return;
    newEl.classList.add('reply--unread');
    var badge = oldEl.querySelector('.reply__meta > .badge--new');
    var meta = newEl.querySelector('.reply__meta');
    if (badge && meta) {
      meta.insertBefore(document.createTextNode(' '), meta.firstChild);
      meta.insertBefore(badge.cloneNode(true), meta.firstChild);
    }
  }

  var numberOf = function (el) { return Number(String(el.id).replace(/\D/g, '')); };
  function insertOrdered(list, el) {
    var n = numberOf(el);
    var items = list.children;
    for (var k = 0; k < items.length; k++) {
      if (numberOf(items[k]) > n) { list.insertBefore(el, items[k]); return; }
    }
    list.appendChild(el);
  }

  function containerOf(ch) {
    return document.querySelector('[data-live="' + ch + '"]');
  }

  function upsert(ch, m) {
    var existing = document.getElementById(m.el);
    var el = parse(m.html);
    if (!el) return;
    if (existing) {
      keepReaderMarks(existing, el);
      withAnchor(function () { patch(existing, el); });
      if (m.announce) announce(m.text);
      return;
    }
    // Updates of something not on this page (a post card, say) are not inserted.
    if (m.insert === false) return;
    var list;
    if (m.parent) {
      var parent = document.getElementById(m.parent);
      if (!parent) return;
      list = parent.querySelector(':scope > .comment-list--replies');
      if (!list) {
        list = document.createElement('ol');
        list.className = 'comment-list comment-list--replies';
        parent.appendChild(list);
      }
    } else {
      var container = containerOf(ch);
      list = container && container.querySelector('[data-live-comments]');
      // Not on the last page: the reader will find it by following "more" (or the page's notice).
      if (!list || list.getAttribute('data-live-append') === 'false') {
        // Only what came after the page was rendered (catch-up reaches back a window).
        if (!isNews(m)) return;
        var more = container && container.querySelector('[data-live-more]');
        if (more) more.hidden = false;
        announce(m.text);
        return;
      }
    }
    withAnchor(function () {
      var empty = containerOf(ch) && containerOf(ch).querySelector('[data-live-empty]');
      if (empty) empty.remove();
      insertOrdered(list, el);
    });
    announce(m.text);
  }

  // A header link's count badge (notifications, the moderators' queue), as the server renders it.
  function setBadge(link, count, label) {
    if (!link) return;
    var badge = link.querySelector('.badge--count');
    if (!count) { if (badge) badge.remove(); return; }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'badge badge--count';
      badge.appendChild(document.createTextNode(''));
      var hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ' ' + (label || '');
      badge.appendChild(hidden);
      link.appendChild(document.createTextNode(' '));
      link.appendChild(badge);
    }
    // The server counts no further than 100 (UNREAD_CAP + 1, server/repos/notifications.ts).
    badge.firstChild.nodeValue = count > 99 ? '99+' : String(count);
  }

  function setUnread(count) {
    var link = document.querySelector('[data-live-unread-link]');
    setBadge(link, count, link && link.getAttribute('data-live-unread-label'));
  }

  function notification(ch, m) {
    setUnread(m.count);
    var list = document.querySelector('[data-live-list="' + ch + '"]');
    if (list && m.html && m.el) {
      var existing = document.getElementById(m.el);
      var el = parse(m.html);
      if (existing) withAnchor(function () { patch(existing, el); });
      else if (list.getAttribute('data-live-append') !== 'false') {
        withAnchor(function () {
          var empty = document.querySelector('[data-live-empty]');
          if (empty) empty.remove();
          list.insertBefore(el, list.firstElementChild);
        });
      }
    }
    if (isNews(m)) announce(m.text);
  }

  // A feed's banner: "N new posts", a link that reloads the feed; the posts are not inserted.
  var feedPosts = new Set();
  function feedItem(ch, m) {
    var container = containerOf(ch);
    var link = container && container.querySelector('[data-live-banner]');
    // Catch-up reaches back a window: a post the page already shows is not news.
    if (!link || feedPosts.has(m.post) || document.getElementById('post-' + m.post)) return;
    feedPosts.add(m.post);
    var n = feedPosts.size;
    link.textContent = n === 1 ? link.getAttribute('data-one') : String(link.getAttribute('data-many')).replace('%n', String(n));
    container.hidden = false;
    announce(m.text);
  }

  function onEvent(m) {
    var key = m.ch + '#' + m.ev;
    if (seen.has(key)) return;
    seen.add(key);
    seenOrder.push(key);
    if (seenOrder.length > 5000) seen.delete(seenOrder.shift());
    if (!(lastAt[m.ch] >= m.at)) lastAt[m.ch] = m.at;
    if (m.op === 'upsert') upsert(m.ch, m);
    else if (m.op === 'remove') {
      var gone = document.getElementById(m.el);
      if (gone && !gone.contains(document.activeElement)) { withAnchor(function () { gone.remove(); }); announce(m.text); }
    } else if (m.op === 'unread') notification(m.ch, m);
    else if (m.op === 'feed') feedItem(m.ch, m);
    else if (m.op === 'count') {
      var counted = document.getElementById(m.el);
      setBadge(counted, m.count, counted && counted.getAttribute('data-live-count-label'));
      // The same count shown elsewhere on the page (the review queue's heading), as a bare number.
      var copies = document.querySelectorAll('[data-live-count="' + m.el + '"]');
      for (var c = 0; c < copies.length; c++) copies[c].textContent = String(m.count);
      if (isNews(m)) announce(m.text);
    }
    else if (m.op === 'gone') announce(m.text);
  }

  // ---- the socket ------------------------------------------------------------------------
  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/live';
    socket = new WebSocket(url);
    socket.addEventListener('open', function () {
      attempt = 0;
      channels.forEach(function (ch) {
        socket.send(JSON.stringify({ type: 'sub', ch: ch, since: lastAt[ch] || pageSince }));
      });
    });
    socket.addEventListener('message', function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (m.type === 'event') onEvent(m);
      else if (m.type === 'revoked' || m.type === 'refused') channels = channels.filter(function (c) { return c !== m.ch; });
      else if (m.type === 'reload') announce(m.text);
      else if (m.type === 'synced') body.setAttribute('data-live-synced', (body.getAttribute('data-live-synced') || '') + ' ' + m.ch);
    });
    socket.addEventListener('close', function (e) {
      socket = null;
      // Session ended, or a frame the server refused: reconnecting would not help.
      if (stopped || e.code === 4401 || e.code === 4400 || e.code === 1009 || !channels.length) return;
      attempt += 1;
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt - 1)) * (0.5 + Math.random() / 2);
      setTimeout(connect, e.code === 4429 ? Math.max(delay, 10000) : delay);
    });
  }

  window.addEventListener('pagehide', function () { stopped = true; if (socket) socket.close(); });
  connect();
})();
