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
