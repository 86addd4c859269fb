/* What the debtor sees when the video cannot play: a message and the two ways on, the text
 * version and the phone (the page's own "talk to a person" link), as big buttons. */
import { textLink } from "./page.js";
import { t } from "./state.js";

/* The alert box, ready to be put in the page and focused. */
export function failureBox() {
  const box = document.createElement("div");
  box.className = "player-error";
  box.setAttribute("role", "alert");
  box.tabIndex = -1;
  const message = document.createElement("p");
  message.textContent = t("The video could not be loaded. Use the text version or call us.");
  box.appendChild(message);
  const links = document.createElement("p");
  links.className = "ways";
  links.appendChild(bigLink(textLink(), t("Text version")));
  const person = document.querySelector("a.person");
  if (person) {
    const label = person.textContent.replace(/\s+/g, " ").trim();
    links.appendChild(bigLink(person.getAttribute("href"), label));
  }
  box.appendChild(links);
  return box;
}

function bigLink(href, label) {
  const link = document.createElement("a");
  link.className = "big button";
  link.href = href;
  link.textContent = label;
  return link;
}
