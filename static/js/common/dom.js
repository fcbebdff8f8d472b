// Small DOM helpers. Text always goes in through textContent, never as HTML.

/**
 * Create an element: el("td", {className: "x", text: "…", attrs: {title: "…"}}, [children]).
 * @param {string} tag
 * @param {{className?: string, text?: string, attrs?: object, dataset?: object}} [options]
 * @param {Array<Node|string|null>} [children] strings become text nodes
 */
export function el(tag, { className, text, attrs, dataset } = {}, children = []) {
  const element = document.createElement(tag);
  if (className) {
    element.className = className;
  }
  if (text !== undefined && text !== null) {
    element.textContent = String(text);
  }
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const [name, value] of Object.entries(dataset || {})) {
    element.dataset[name] = String(value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      element.append(child);
    }
  }
  return element;
}
