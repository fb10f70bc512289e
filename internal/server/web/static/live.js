// Live progress of a running run over server-sent events; reloads the page
// when the run has finished. The only script of the UI.
(function () {
  var live = document.getElementById("live");
  if (!live || !window.EventSource) { return; }
  var progress = document.getElementById("progress");
  var status = document.getElementById("status");
  var es = new EventSource(live.getAttribute("data-events"));
  function show(ev) {
    var d = JSON.parse(ev.data);
    status.textContent = d.status;
    var parts = [];
    (d.progress || []).forEach(function (p) {
      parts.push(p.entity + ": " + p.read + " rows" + (p.done ? " ✓" : ""));
    });
    progress.textContent = parts.join(" · ");
  }
  es.addEventListener("progress", show);
  es.addEventListener("done", function (ev) { show(ev); es.close(); window.location.reload(); });
})();
