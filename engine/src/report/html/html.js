// Hovering or selecting a bar outlines the bars it waited for (solid) and
// those that waited for it (dashed), and names them under the chart.
for (const chart of document.querySelectorAll('.chart')) {
  const bars = [...chart.querySelectorAll(':scope > .bar')];
  const byId = new Map(bars.map((b) => [b.dataset.id, b]));
  const hint = chart.closest('figure').querySelector('.hint');
  const idle = hint.textContent;
  const needs = (b) => b.dataset.needs.split(' ').filter((n) => byId.has(n));
  let held = null;
  const show = (bar) => {
    chart.classList.toggle('focus', !!bar);
    for (const b of bars) b.classList.remove('on', 'need', 'dep');
    if (!bar) {
      hint.textContent = idle;
      return;
    }
    const id = bar.dataset.id;
    const before = needs(bar);
    const after = bars.filter((b) => needs(b).includes(id));
    bar.classList.add('on');
    for (const n of before) byId.get(n).classList.add('need');
    for (const b of after) b.classList.add('dep');
    const list = (ids) => ids.join(', ') || 'nothing';
    hint.textContent = `${id} waited for ${list(before)}; waiting for it: ${list(after.map((b) => b.dataset.id))}`;
  };
  chart.addEventListener('mouseover', (e) => show(e.target.closest('.bar') || held));
  chart.addEventListener('mouseleave', () => show(held));
  chart.addEventListener('focusin', (e) => show(e.target.closest('.bar')));
  chart.addEventListener('click', (e) => {
    const bar = e.target.closest('.bar');
    if (!bar) return;
    e.preventDefault();
    held = held === bar ? null : bar;
    show(held || bar);
    const details = document.getElementById(bar.hash.slice(1));
    if (details && details.tagName === 'DETAILS') details.open = true;
  });
}
