/* What plays next: from a node of the manifest, the nodes that may follow it and what the
 * player does when its segment ends. Pure functions of the manifest, tested in
 * tests/js/queue.test.mjs.
 *
 * A node has `next` (played right after), `choices` (buttons, each with the node it goes
 * to), `step` (the address of a self-service form), or none of these (the end).
 */

/* The nodes that may play after ``node``: `next`, or every choice's target; none after a
 * step (the page goes to the form). */
export function following(node) {
  if (node.step) return [];
  if (node.next) return [node.next];
  return (node.choices || []).map(function (choice) { return choice.goto; });
}

/* What the player does when ``node``'s segment ends: "step" (open its form), "next" (play
 * `node.next`, when the manifest has it), "choices" (show them) or "end". */
export function afterSegment(node, nodes) {
  if (node.step) return "step";
  if (node.next && nodes[node.next]) return "next";
  if (node.choices && node.choices.length) return "choices";
  return "end";
}

/* The node a page starts at: the one its address asks for, if the manifest has it, else the
 * manifest's own start (where the debtor's case stands). */
export function firstNode(manifest, wanted) {
  return manifest.nodes[wanted] ? wanted : manifest.start;
}

/* The segments (video addresses) worth keeping loaded while ``id`` is on screen: its own and
 * those of the nodes that may follow it. */
export function segmentsToKeep(manifest, id) {
  const keep = {};
  const node = manifest.nodes[id];
  keep[node.video] = true;
  following(node).forEach(function (next) {
    const target = manifest.nodes[next];
    if (target && target.video) keep[target.video] = true;
  });
  return keep;
}
