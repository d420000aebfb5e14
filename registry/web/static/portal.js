// The provider portal's upload progress: htmx reports each upload's progress on the element that sent
// it; the <progress> of its form shows it. Without this file the form posts as usual.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest("form");
  var bar = form && form.querySelector("progress[data-upload]");
  if (!bar || !event.detail.lengthComputable) {
    return;
  }
  bar.max = event.detail.total;
  bar.value = event.detail.loaded;
});
