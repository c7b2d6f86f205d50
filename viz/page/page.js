/* chainrule's interactive page: the stepper, the views, the derivations, the copy
 * buttons and the hand check (the judge itself is judge.js).  Plain JavaScript,
 * no library, nothing fetched: the page's data is the JSON in #chainrule-data.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var J = window.chainruleJudge;
  var steps = data.steps, nodes = data.nodes;
  var current = 0, timer = null, shownNode = null;
  var stepEl = document.getElementById("step");
  var countEl = document.getElementById("step-count");
  var PHASES = { forward: "Forward", loss: "Loss", backward: "Backward", update: "Update" };

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }

  /* --- the drawings: DOT id -> station, station -> drawn elements ------------------ */
  var byDotId = {};        // view -> DOT id -> station number
  nodes.forEach(function (n, k) {
    Object.keys(n.ids).forEach(function (view) {
      byDotId[view] = byDotId[view] || {};
      n.ids[view].forEach(function (id) { byDotId[view][id] = k; });  // a neuron record: its last station (its a)
    });
  });

  function drawn(k) {
    var out = [];
    Object.keys(nodes[k].ids).forEach(function (view) {
      var panel = $('[data-view-panel="' + view + '"]');
      if (!panel) return;
      nodes[k].ids[view].forEach(function (id) {
        out = out.concat($$('[data-node="' + id + '"]', panel));
      });
    });
    return out;
  }

  /* scroll each drawing (not the page) so that station k is in sight */
  function reveal(k) {
    drawn(k).forEach(function (g) {
      var box = g.closest(".drawing");
      if (!box || box.hidden) return;
      var r = g.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (r.left < b.left || r.right > b.right)
        box.scrollLeft += (r.left + r.right) / 2 - (b.left + b.right) / 2;
      if (r.top < b.top || r.bottom > b.bottom)
        box.scrollTop += (r.top + r.bottom) / 2 - (b.top + b.bottom) / 2;
    });
  }

  function mark(k, cls) { drawn(k).forEach(function (g) { g.classList.add(cls); }); }

  /* --- the stepper ------------------------------------------------------------------ */
  function line(parent, cls, pieces) {
    var p = el("p", cls);
    pieces.forEach(function (piece) {
      if (typeof piece === "string") p.appendChild(document.createTextNode(piece));
      else p.appendChild(piece);
    });
    parent.appendChild(p);
    return p;
  }
  function value(text, quantity) {
    var v = el("span", "value", text);
    if (quantity) v.setAttribute("data-quantity", quantity);
    return v;
  }

  function render() {
    var s = steps[current];
    stepEl.textContent = "";
    stepEl.setAttribute("data-step", String(current));
    if (!s) { stepEl.textContent = "(nothing to step through)"; return; }
    stepEl.setAttribute("data-phase", s.phase);
    stepEl.setAttribute("data-node", s.name);
    countEl.textContent = "step " + (current + 1) + " of " + steps.length;
    var head = el("h3", "phase", PHASES[s.phase] + ": " + s.name);
    stepEl.appendChild(head);
    if (s.phase === "forward" || s.phase === "loss") {
      line(stepEl, "formula", [s.formula]);
      if (s.operands.length) {
        var ul = el("ul", "operands");
        s.operands.forEach(function (o) {
          var li = el("li");
          li.appendChild(document.createTextNode(o.name + " = "));
          li.appendChild(value(o.value, "value." + o.name));
          ul.appendChild(li);
        });
        stepEl.appendChild(ul);
      }
      line(stepEl, "result", [s.name + " = ", value(s.result, "value." + s.name)]);
      if (s.phase === "loss")
        line(stepEl, "note", ["∂" + data.loss + "/∂" + data.loss + " = ",
          value("1", "grad." + s.name), ": the backward pass starts here."]);
    } else if (s.phase === "backward") {
      var L = data.loss;
      line(stepEl, "formula", ["∂" + L + "/∂" + s.name + " = " + (s.terms.length ? s.terms.map(function (t) {
        return "∂" + L + "/∂" + t.name + " · ∂" + t.name + "/∂" + s.name;
      }).join(" + ") : "0 (the loss does not depend on it)")]);
      var terms = el("ul", "terms");
      s.terms.forEach(function (t) {
        var li = el("li");
        li.appendChild(document.createTextNode("gradient above ∂" + L + "/∂" + t.name + " = "));
        li.appendChild(value(t.grad, "grad." + t.name));
        li.appendChild(document.createTextNode(" × local ∂" + t.name + "/∂" + s.name + " = "));
        li.appendChild(value(t.local, "local." + t.name + "." + s.name));
        terms.appendChild(li);
      });
      stepEl.appendChild(terms);
      var sum = s.terms.map(function (t) { return t.grad + " × " + t.local; }).join(" + ");
      line(stepEl, "result", ["∂" + L + "/∂" + s.name + " = " + (sum ? sum + " = " : ""),
        value(s.result, "grad." + s.name)]);
      if (s.delta !== undefined)
        line(stepEl, "note", ["δ " + s.name + " = −∂" + L + "/∂" + s.name + " = ",
          value(s.delta, "delta." + s.name)]);
    } else if (s.phase === "update") {
      line(stepEl, "formula", [s.name + " ← " + s.name + " − lr · ∂" + data.loss + "/∂" + s.name]);
      line(stepEl, "result", [s.name + " ← " + s.old + " − " + s.lr + " × " + s.grad + " = ",
        value(s.result, "updated." + s.name)]);
    }
    // the drawing: the current station, what it is made of, what is not computed yet
    $$(".current, .operand, .pending").forEach(function (g) {
      g.classList.remove("current", "operand", "pending");
    });
    mark(s.node, "current");
    reveal(s.node);
    (s.operands || s.terms || []).forEach(function (o) { mark(o.node, "operand"); });
    if (s.phase === "forward") {
      steps.forEach(function (t, k) { if (k > current && t.phase !== "backward" && t.phase !== "update") mark(t.node, "pending"); });
    }
    $('[data-action="prev"]').disabled = current === 0;
    $('[data-action="next"]').disabled = current >= steps.length - 1;
  }

  function go(k) {
    current = Math.max(0, Math.min(steps.length - 1, k));
    render();
  }
  function play(on) {
    var b = $('[data-action="play"]');
    if (on === undefined) on = timer === null;
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      if (current >= steps.length - 1) go(0);
      timer = setInterval(function () {
        if (current >= steps.length - 1) play(false); else go(current + 1);
      }, 900);
    }
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.textContent = on ? "⏸ pause" : "▶ play";
  }
  var actions = {
    next: function () { go(current + 1); }, prev: function () { go(current - 1); },
    reset: function () { play(false); go(0); }, play: function () { play(); }
  };
  $$("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { actions[b.getAttribute("data-action")](); });
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    var k = { ArrowRight: "next", ArrowLeft: "prev", Home: "reset", p: "play", P: "play" }[ev.key];
    if (k) { ev.preventDefault(); actions[k](); }
  });

  /* --- the two views ---------------------------------------------------------------- */
  $$("[data-view]").forEach(function (b) {
    b.addEventListener("click", function () {
      var view = b.getAttribute("data-view");
      $$("[data-view]").forEach(function (x) { x.setAttribute("aria-pressed", x === b ? "true" : "false"); });
      $$("[data-view-panel]").forEach(function (p) { p.hidden = p.getAttribute("data-view-panel") !== view; });
    });
  });

  /* --- derivations on click ----------------------------------------------------------- */
  var select = document.getElementById("node-select");
  function showDerivation(k) {
    var d = data.derivations[String(k)];
    shownNode = k;
    select.value = String(k);
    document.getElementById("derivation-title").textContent = d ? "of " + d.title : "";
    var box = document.getElementById("derivation");
    if (d) box.innerHTML = d.html;   // written by chainrule's HTML writer, every name escaped
    else box.textContent = "No derivation for this node.";
    box.setAttribute("data-derivation", nodes[k].name);
    $$(".chosen").forEach(function (g) { g.classList.remove("chosen"); });
    mark(k, "chosen");
  }
  select.addEventListener("change", function () { showDerivation(Number(select.value)); });
  $$("[data-view-panel]").forEach(function (panel) {
    var view = panel.getAttribute("data-view-panel");
    $$("[data-node]", panel).forEach(function (g) {
      var k = (byDotId[view] || {})[g.getAttribute("data-node")];
      if (k === undefined) return;
      g.classList.add("clickable");
      g.addEventListener("click", function () { showDerivation(k); });
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); showDerivation(k); }
      });
    });
  });

  /* --- copy ----------------------------------------------------------------------------- */
  var copyOut = document.getElementById("copy-out"), copyStatus = document.getElementById("copy-status");
  function visibleSvg() {
    var panel = $$("[data-view-panel]").filter(function (p) { return !p.hidden; })[0];
    var svg = panel && $("svg", panel);
    if (!svg) return "";
    var copy = svg.cloneNode(true);   // the drawing as drawn: no page state, no hooks
    $$("[data-node]", copy).forEach(function (g) {
      ["data-node", "tabindex", "role", "aria-label"].forEach(function (a) { g.removeAttribute(a); });
      g.classList.remove("current", "operand", "pending", "chosen", "clickable");
    });
    return new XMLSerializer().serializeToString(copy);
  }
  function copy(kind) {
    var d = data.derivations[String(shownNode)] || {};
    var text = kind === "svg" ? visibleSvg() : (d[kind] || "");
    copyOut.hidden = false;
    copyOut.value = text;
    copyOut.setAttribute("data-copied", kind);
    copyOut.focus();
    copyOut.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (err) { done = false; }
    var what = { latex: "LaTeX", markdown: "Markdown", svg: "SVG" }[kind];
    copyStatus.textContent = done ? what + " copied" : what + " selected below: press Ctrl+C to copy";
    if (!done && navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copyStatus.textContent = what + " copied"; },
        function () {});
    }
  }
  $$("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () { copy(b.getAttribute("data-copy")); });
  });

  /* --- your numbers --------------------------------------------------------------------- */
  var checks = {};
  data.checks.forEach(function (c) { checks[c.key] = c; });
  var rtol = Number(data.rtol);
  var SIGNS = { exact: "✓ exact", close: "≈ close", wrong: "✗ wrong" };
  function engineFloat(text) {
    return { inf: Infinity, "-inf": -Infinity, nan: NaN }[text] !== undefined
      ? { inf: Infinity, "-inf": -Infinity, nan: NaN }[text] : Number(text);
  }
  function check(input) {
    var key = input.getAttribute("data-hand"), c = checks[key];
    var out = $$("[data-verdict]").filter(function (x) { return x.getAttribute("data-verdict") === key; })[0];
    var row = input.closest("tr");
    row.classList.remove("exact", "close", "wrong");
    out.removeAttribute("data-result");
    if (!input.value.trim()) { out.textContent = ""; return; }
    var hand = J.readHand(input.value);
    if (hand === null) { out.textContent = "? not a number"; out.setAttribute("data-result", "none"); return; }
    var engine = engineFloat(c.engine);
    // an arithmetic line has no rounded intermediate to excuse it: exact or wrong
    var tol = c.rtol !== undefined ? Number(c.rtol) : rtol;
    var verdict = J.judge(hand, c.exact, engine, tol);
    var text = SIGNS[verdict];
    if (verdict === "wrong" && c.rtol === undefined && J.signHint(hand, c.exact, engine, tol))
      text += ": the sign is flipped (its negative would be " + J.judge({ text: "-" + hand.text.replace(/^[+-]/, ""), value: -hand.value }, c.exact, engine, tol) + ")";
    if (verdict !== "exact") text += arithmetic(key, hand);
    out.textContent = text;
    out.setAttribute("data-result", verdict);
    row.classList.add(verdict);
  }

  /* the arithmetic hint: a gradient against the product of your own numbers above it,
   * Σ (your ∂L/∂U) × ∂U/∂S over the nodes U just above S */
  var gradTerms = {};
  steps.forEach(function (s) { if (s.phase === "backward") gradTerms[s.name] = s.terms; });
  function typedNumber(key) {
    var input = $$("[data-hand]").filter(function (x) { return x.getAttribute("data-hand") === key; })[0];
    var h = input ? J.readHand(input.value) : null;
    return h ? h.value : null;
  }
  function arithmetic(key, hand) {
    if (key.indexOf("grads.") !== 0) return "";
    var terms = gradTerms[key.slice(6)];
    if (!terms || !terms.length) return "";
    var total = 0, shownTerms = [];
    for (var i = 0; i < terms.length; i++) {
      var up = terms[i].name === data.root ? 1 : typedNumber("grads." + terms[i].name);
      if (up === null) return "";
      total += up * Number(terms[i].local_value);
      shownTerms.push(String(up) + " × " + terms[i].local);
    }
    if (!isFinite(total)) return "";
    var own = J.judge(hand, null, total, rtol);
    var product = shownTerms.join(" + ") + " = " + String(Number(total.toPrecision(6)));
    if (own === "exact") return "; it follows from your numbers above (" + product + "): the slip is further up";
    return "; from your numbers above, " + product + ": an arithmetic slip in this step?";
  }
  function checkAll() { $$("[data-hand]").forEach(check); }
  $$("[data-hand]").forEach(function (input) {
    input.addEventListener("input", checkAll);
  });
  checkAll();
  var showEngine = document.getElementById("show-engine");
  if (showEngine) showEngine.addEventListener("change", function () {
    $$("[data-engine]").forEach(function (x) { x.hidden = !showEngine.checked; });
  });

  window.chainrulePage = { go: go, data: data, showDerivation: showDerivation,
    current: function () { return current; } };
  go(0);
  var first = nodes.findIndex(function (n) { return n.kind === "param"; });
  showDerivation(first >= 0 ? first : 0);
})();
