// Checks run on every page the browser tests visit (installed by tests/browser/conftest.py).
// window.__ketacareProblems() lists what a screen-reader or keyboard user would miss;
// each full page load and each htmx swap reports its list to the test through the
// __ketacareReport binding.
(() => {
  const text = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();

  function visible(el) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") return false;
    return el.getClientRects().length > 0;
  }

  function byIds(el, attribute) {
    return (el.getAttribute(attribute) || "")
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id));
  }

  // The name a screen reader announces for a form control: aria-label, aria-labelledby,
  // or a <label> (for= or wrapping); a placeholder or a title is not a label.
  function hasLabel(el) {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    if (byIds(el, "aria-labelledby").some((target) => target && text(target))) return true;
    return Array.from(el.labels || []).some((label) => text(label));
  }

  function hasName(el) {
    if (hasLabel(el) || text(el) || (el.getAttribute("title") || "").trim()) return true;
    return Array.from(el.querySelectorAll("img[alt], svg title")).some(
      (inner) => (inner.getAttribute("alt") || inner.textContent || "").trim(),
    );
  }

  function describe(el) {
    let name = el.tagName.toLowerCase();
    if (el.type && el.tagName === "INPUT") name += `[type=${el.type}]`;
    if (el.id) name += `#${el.id}`;
    if (el.getAttribute("name")) name += `[name=${el.getAttribute("name")}]`;
    if (el.getAttribute("href")) name += `[href=${el.getAttribute("href")}]`;
    return name;
  }

  window.__ketacareProblems = function () {
    const problems = [];
    if (!document.documentElement.getAttribute("lang")) problems.push("<html> has no lang");
    if (!document.title.trim()) problems.push("the page has no <title>");
    if (!document.querySelector("h1")) problems.push("the page has no <h1>");
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || !visible(el)) continue;
      if (["submit", "button", "reset", "image"].includes(el.type)) {
        if (!(el.value || el.alt || hasLabel(el))) problems.push(`${describe(el)} has no name`);
      } else if (!hasLabel(el)) {
        problems.push(`${describe(el)} has no label`);
      }
    }
    for (const el of document.querySelectorAll("button, a[href], [role=button]")) {
      if (visible(el) && !hasName(el)) problems.push(`${describe(el)} has no name`);
    }
    for (const img of document.querySelectorAll("img:not([alt])")) {
      problems.push(`${describe(img)} has no alt text`);
    }
    for (const svg of document.querySelectorAll("svg[role=img]")) {
      const named = svg.querySelector("title") || hasLabel(svg);
      if (!named) problems.push(`an svg image (role=img) has no <title> or aria-label`);
    }
    problems.push(...window.__ketacareContrast());
    const seen = new Set();
    for (const el of document.querySelectorAll("[id]")) {
      if (seen.has(el.id)) problems.push(`the id "${el.id}" is used twice`);
      seen.add(el.id);
    }
    return problems;
  };


  // WCAG 2.1 contrast (1.4.3): 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px
  // bold). The background is the first opaque one behind the element; text over an
  // image or a gradient is not judged (there is none in ketacare's pages).
  function rgba(value) {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a: a === undefined || Number.isNaN(a) ? 1 : a };
  }

  function luminance({ r, g, b }) {
    const lin = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  }

  function blend(top, bottom) {
    const a = top.a;
    return {
      r: top.r * a + bottom.r * (1 - a),
      g: top.g * a + bottom.g * (1 - a),
      b: top.b * a + bottom.b * (1 - a),
      a: 1,
    };
  }

  function background(el) {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== "none") return null;
      const color = rgba(style.backgroundColor);
      if (color && color.a > 0) {
        layers.push(color);
        if (color.a >= 1) break;
      }
    }
    let result = { r: 255, g: 255, b: 255, a: 1 }; // the canvas
    for (const layer of layers.reverse()) result = blend(layer, result);
    return result;
  }

  window.__ketacareContrast = function () {
    const problems = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const judged = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || judged.has(el) || !node.textContent.trim()) continue;
      judged.add(el);
      if (el.closest("svg, script, style, [hidden], [aria-hidden=true], .sr-only, .skip")) continue;
      if (!visible(el) || el.closest(":disabled")) continue;
      const style = getComputedStyle(el);
      if (Number(style.opacity) === 0) continue;
      const fg = rgba(style.color);
      const bg = background(el);
      if (!fg || !bg) continue;
      const shown = fg.a < 1 ? blend(fg, bg) : fg;
      const [hi, lo] = [luminance(shown), luminance(bg)].sort((x, y) => y - x);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < needed) {
        problems.push(
          `low contrast ${ratio.toFixed(2)}:1 (needs ${needed}:1) on ${describe(el)}`
          + ` "${text(el).slice(0, 40)}" (${style.color} on rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)}))`,
        );
      }
    }
    return problems;
  };

  // The elements that stick out past `width` px (for assert_no_horizontal_scroll).
  window.__ketacareTooWide = function (width) {
    return Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest("[hidden]"))
      .slice(0, 8)
      .map((el) => `${describe(el)}${el.className ? "." + String(el.className).split(" ").join(".") : ""}`
        + ` (${Math.round(el.getBoundingClientRect().width)} px wide)`);
  };

  function report() {
    if (typeof window.__ketacareReport === "function") {
      window.__ketacareReport(location.pathname + location.search, window.__ketacareProblems());
    }
  }
  window.addEventListener("load", report);
  document.addEventListener("htmx:afterSettle", report);
})();
