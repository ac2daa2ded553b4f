// Loaded between require.js and the ipywidgets embed manager (see _config.yml,
// nb_ipywidgets_js). The embed manager derives the folder of its fonts from the
// AMD module path "@jupyter-widgets/html-manager/dist"; map that path to the copy
// served by this book, so the widgets render with no network and at any page depth.
(function () {
  var root = document.documentElement.dataset.content_root || "./";
  require.config({
    paths: { "@jupyter-widgets/html-manager/dist": root + "_static/html-manager" },
  });
})();

// The embed manager typesets widget labels with the MathJax 2 call
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); this book loads MathJax 3,
// which has no Hub. Provide that one call on top of MathJax 3's typesetPromise.
(function () {
  function shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) return;
    mj.Hub = {
      Queue: function () {
        for (var i = 0; i < arguments.length; i++) {
          var job = arguments[i];
          if (Array.isArray(job) && job[0] === "Typeset" && mj.typesetPromise) {
            mj.typesetPromise(job[2] ? [job[2]] : undefined).catch(function () {});
          }
        }
      },
    };
  }
  shim();
  document.addEventListener("DOMContentLoaded", shim);
  window.addEventListener("load", shim);
})();
