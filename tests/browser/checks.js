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
    const seen = new Set();
    for (const el of document.querySelectorAll("[id]")) {
      if (seen.has(el.id)) problems.push(`the id "${el.id}" is used twice`);
      seen.add(el.id);
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
