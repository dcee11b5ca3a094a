{% autoescape off %}/* Service worker of the inspection pages: keeps the checklist pages and the static files so an inspection can
   be opened and filled without a signal. Submissions are queued by the page itself (IndexedDB). */
var CACHE = "tz-civility-v3";  // bump when checklist.js or civility.css change: old caches are dropped
var ASSETS = {{ assets_json }};
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); }).then(function () {
    return self.skipWaiting();
  }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("tz-civility-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate" && url.pathname.indexOf("/civility/inspect/") === 0) {
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
      return res;
    }).catch(function () {
      return caches.match(req, { ignoreVary: true }).then(function (hit) {
        return hit || new Response("当前没有网络，且此页面尚未在本机缓存。请在有网络时先打开一次测评页面。",
          { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(req, { ignoreVary: true }).then(function (hit) { return hit || fetch(req); }));
  }
});
{% endautoescape %}
