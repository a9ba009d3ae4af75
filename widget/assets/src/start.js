// @ts-check
/** Start-up, last: render the widgets already on the page, then call the onload callback
 * (docs/widget.md, "Script URL parameters"). */
function autoRender() {
  if (RENDER !== 'explicit') {
    var sel = '#astracaph-container, [data-astracaph]' + (compatSel ? ', ' + compatSel : '');
    Array.prototype.forEach.call(D.querySelectorAll(sel),
      /** @param {Element} el */
      function (el) {
      if (el.__astracaph) return;
      if (shim && el.matches(compatSel)) shim.render(el);
      else render(el);
    });
  }
  if (ONLOAD) call(ONLOAD);
}
if (D.readyState === 'loading') D.addEventListener('DOMContentLoaded', autoRender);
else setTimeout(autoRender);
