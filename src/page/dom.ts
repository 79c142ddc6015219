/**
 * The page's only way of making elements. Strings always become text nodes, so answer and
 * source text can never turn into markup.
 */

type Child = Node | string | false | null | undefined;
type AttributeValue = string | number | boolean | undefined | ((event: Event) => void);

/**
 * Creates an element. `class` sets the class name, `on<event>` adds a listener, `true` sets an
 * empty attribute and `false`/`undefined` leaves it out.
 *
 * @example h('button', { type: 'button', class: 'cite', onclick: open }, '[1]')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, strings as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Text with `code` spans (as in server messages) turned into `<code>` elements, all as text. */
export function withCode(text: string): Array<Node | string> {
  return text.split(/`([^`]+)`/).map((part, index) => (index % 2 === 1 ? h('code', {}, part) : part));
}

/** Looks an element up by id and fails loudly when the HTML and the script disagree. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

const ICONS = {
  copy: 'M8 3h9a2 2 0 0 1 2 2v11M5 7h9a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  retry: 'M4 12a8 8 0 1 0 2.3-5.6M4 4v4.5h4.5',
  close: 'M6 6l12 12M18 6L6 18',
  file: 'M7 3h7l5 5v12a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zM14 3v5h5',
  alert: 'M12 4l9 16H3L12 4zM12 10v4.5M12 17.5v.01',
  search: 'M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM15.5 15.5L20 20',
  previous: 'M15 6l-6 6 6 6',
  next: 'M9 6l6 6-6 6',
  stop: 'M7 7h10v10H7z',
} as const;

/** A small stroked icon, hidden from assistive technology (its button carries the label). */
export function icon(name: keyof typeof ICONS): SVGSVGElement {
  const namespace = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(namespace, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(namespace, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}
