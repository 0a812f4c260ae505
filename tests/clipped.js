// Text that does not fit: an element whose own text overflows it, or that sticks out of an ancestor
// hiding or scrolling its overflow (tests/test_browser_dashboard.py). Visually hidden helpers and
// the folded sidebar are skipped; charts and data grids draw on canvas/SVG and are checked apart.
() => {
  const out = [];
  const root = document.querySelector('[data-testid="stApp"]');
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    if (el.closest('[data-testid="stSkipToContent"], [data-testid="stSidebar"][data-collapsed="true"]')) continue;
    if (el.closest('[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stDataFrameResizable"], svg, canvas, [aria-hidden="true"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      out.push({tag: el.tagName, text: el.textContent.trim().slice(0, 40), sw: el.scrollWidth, cw: el.clientWidth, testid: (el.closest('[data-testid]')||{}).dataset?.testid});
      continue;
    }
    // clipped by an ancestor that hides overflow
    let a = el.parentElement;
    for (let i = 0; a && i < 12; i++, a = a.parentElement) {
      const s = getComputedStyle(a);
      if (['hidden','clip','auto','scroll'].includes(s.overflowX) && a.scrollWidth > a.clientWidth + 1 && a.clientWidth > 0) {
        const ar = a.getBoundingClientRect();
        if (r.right > ar.right + 1 || r.left < ar.left - 1) {
          out.push({tag: el.tagName, text: el.textContent.trim().slice(0, 40), by: a.tagName, sw: a.scrollWidth, cw: a.clientWidth, testid: (a.closest('[data-testid]')||{}).dataset?.testid});
          break;
        }
      }
    }
  }
  return out;
}
