// Run by tests/browser/contrast.py (see its docstring): page.evaluate(thisFunction, minimum).
(minimum) => {
  // computed colours come as rgb()/rgba() or, from color-mix(), as color(srgb r g b / a)
  const parse = (text) => {
    const srgb = String(text).match(/color\(srgb ([^)]+)\)/);
    if (srgb) {
      const [r, g, b, a = 1] = srgb[1].split(/[ /]+/).filter(Boolean).map(Number);
      return { r: r * 255, g: g * 255, b: b * 255, a };
    }
    const m = String(text).match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  const lum = ({ r, g, b }) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
  const stops = (image) => (String(image).match(/(rgba?|color)\([^)]+\)/g) || []).map(parse);

  function backgrounds(el) {
    const layers = [];
    let opacity = 1;
    let bases = [{ r: 255, g: 255, b: 255, a: 1 }];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      opacity *= Number(style.opacity);
      const gradient = stops(style.backgroundImage);
      const color = parse(style.backgroundColor);
      if (gradient.length) {
        bases = gradient.map((stop) => (color && color.a > 0 ? over(stop, over(color, { r: 255, g: 255, b: 255, a: 1 })) : over(stop, { r: 255, g: 255, b: 255, a: 1 })));
        break;
      }
      if (color && color.a >= 1) { bases = [color]; break; }
      if (color && color.a > 0) layers.push(color);
    }
    return { opacity, list: bases.map((base) => layers.reduceRight((acc, layer) => over(layer, acc), base)) };
  }

  function shown(el) {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1) return false;
    const style = getComputedStyle(el);
    return style.visibility === "visible" && el.checkVisibility({ opacityProperty: false });
  }

  function check(el, colorText, label) {
    const fg = parse(colorText);
    const { opacity, list } = backgrounds(el);
    let worst = Infinity;
    for (const bg of list) {
      const seen = over({ ...fg, a: fg.a * opacity }, bg);
      worst = Math.min(worst, ratio(seen, bg));
    }
    return worst < minimum ? [{ text: label.slice(0, 60), ratio: Math.round(worst * 100) / 100,
      color: colorText, tag: el.tagName.toLowerCase(), cls: String(el.className).slice(0, 60),
      id: el.id }] : [];
  }

  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.closest("[disabled], [aria-disabled='true']")) continue;
    if (["SCRIPT", "STYLE", "TEMPLATE", "svg", "OPTION"].includes(el.tagName)) continue;
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (own) found.push(...check(el, getComputedStyle(el).color, own));
    if (el.matches("input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea")) {
      const value = el.tagName === "SELECT" ? (el.selectedOptions[0] || {}).text : el.value;
      if (value) found.push(...check(el, getComputedStyle(el).color, value));
      else if (el.placeholder) found.push(...check(el, getComputedStyle(el, "::placeholder").color, el.placeholder));
    }
  }
  return found;
}
