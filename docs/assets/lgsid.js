// lgsid_nb docs site: plotly figures fill the column and put their legend below the plot (a legend on the right
// takes a third of a narrow figure: the t-SNE panels were ~130 px wide); the figure grows by the legend's height so
// the plot keeps its size. Copied into the site by tools/build_docs.py (mkdocs.yml extra_javascript).
(function () {
  function fix(el) {
    var P = window.Plotly;
    if (!P || !el._fullLayout || !el.offsetWidth || el.dataset.lgsidLegend) return;  // hidden figures: nothing to size
    el.dataset.lgsidLegend = '1';
    var h0 = el._fullLayout.height;
    var shown = el._fullLayout.showlegend && (el._fullData || []).some(function (t) { return t.showlegend !== false; });
    var upd = {autosize: true, width: null};
    if (shown && !(el.layout.legend && el.layout.legend.orientation === 'h')) {
      upd['legend.orientation'] = 'h'; upd['legend.x'] = 0; upd['legend.xanchor'] = 'left';
      upd['legend.y'] = -0.08; upd['legend.yanchor'] = 'top'; upd['legend.yref'] = 'paper';
    }
    P.relayout(el, upd).then(function () {
      var lh = shown && el._fullLayout.legend ? (el._fullLayout.legend._height || 0) : 0;
      if (lh > 0) { el.style.height = (h0 + lh) + 'px'; return P.relayout(el, {height: h0 + lh}); }
    }).then(function () { if (el._fullLayout) return P.Plots.resize(el); })
      .catch(function (e) { console.warn('lgsid.js: figure left at its own size:', e); });  // a figure plotly cannot relayout keeps its layout
  }
  function safe(el) {  // a figure plotly cannot relayout (it throws inside relayout) keeps its own layout
    try { fix(el); } catch (e) { console.warn('lgsid.js: figure left at its own size:', e && e.message); }
  }
  function all() { document.querySelectorAll('.js-plotly-plot').forEach(safe); }
  window.addEventListener('load', function () { all(); setTimeout(all, 800); });
})();
