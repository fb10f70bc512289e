// The portal's two scripts: the progress of an upload, and the live state
// of the check it queued. Without JavaScript the form posts as usual.
(function () {
  var form = document.getElementById("upload-form");
  var bar = document.getElementById("upload-progress");
  if (form && bar && window.FormData && window.XMLHttpRequest) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      document.getElementById("upload-submit").disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener("load", function () {
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }
  var check = document.getElementById("check");
  if (check && window.EventSource) {
    var status = document.getElementById("check-status");
    var progress = document.getElementById("check-progress");
    var es = new EventSource(check.getAttribute("data-events"));
    var show = function (ev) {
      var d = JSON.parse(ev.data);
      status.textContent = d.status;
      status.className = "badge s-" + d.status;
      progress.textContent = (d.progress || []).map(function (p) { return p.entity + ": " + p.read + " rows"; }).join(" · ");
    };
    es.addEventListener("progress", show);
    es.addEventListener("done", function (ev) {
      show(ev);
      progress.textContent = "";
      document.getElementById("check-text").textContent = "The check has finished";
      es.close();
    });
  }
})();
