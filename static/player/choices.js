/* The choices at the end of a segment: one big button per choice, with its icon and label,
 * and where the keyboard focus goes next. The player decides when; this draws them. */

/* Fill ``box`` with a button per choice of ``node``; ``onChoose(choice, event)`` on a click. */
export function drawChoices(box, node, onChoose) {
  box.textContent = "";
  node.choices.forEach(function (choice) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "choice";
    button.setAttribute("data-goto", choice.goto);
    if (choice.icon) button.appendChild(iconBadge(choice.icon));
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = choice.label;
    button.appendChild(label);
    button.addEventListener("click", function (event) { onChoose(choice, event); });
    box.appendChild(button);
  });
}

/* The choice's icon on its badge; decorative (the label says it all): no alt text. */
function iconBadge(src) {
  const icon = document.createElement("img");
  icon.src = src;
  icon.alt = "";
  icon.width = 32;
  icon.height = 32;
  const badge = document.createElement("span");
  badge.className = "icon";
  badge.appendChild(icon);
  return badge;
}

/* Focus moves to what the debtor has to act on next, unless they are busy in a form control
 * (the language list among them). */
export function moveFocus(target) {
  const active = document.activeElement;
  if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return;
  target.focus({ preventScroll: true });
  if (target.scrollIntoView) {
    const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
  }
}
