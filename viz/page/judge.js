/* chainrule's hand check in the browser: exact / close / wrong, with exactly the
 * rules of `chainrule check` (viz/handcheck/verdicts.py, judge):
 *
 *   d = the decimals the hand literal shows ("0.00135": 5, "1.5e3": -2);
 *   exact:  |e - h| <= 5·10^(-d-1) + |e|·1e-12, in decimal arithmetic where e is
 *           the engine float's exact binary value and h the literal's exact value,
 *           every operation rounded as Python's Decimal does (28 significant
 *           digits, half even);
 *   close:  not exact, engine != 0 and |engine - hand| <= rtol·|engine|, in floats;
 *   wrong:  anything else, and any non-finite engine or hand value.
 *
 * A decimal is {neg, c, e}: (-1)^neg · c · 10^e with c a BigInt >= 0.
 * Plain JavaScript, no library; exported as window.chainruleJudge.
 */
(function (global) {
  "use strict";

  var PREC = 28;                 // Python's default Decimal context
  var MAX_LITERAL = 100;         // viz.worked.literals caps
  var MAX_DECIMALS = 340;
  var DECIMAL = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
  var TEN = BigInt(10);
  var ZERO = BigInt(0);
  var ONE = BigInt(1);

  function pow10(n) { return TEN ** BigInt(n); }

  function dec(neg, c, e) { return { neg: neg, c: c, e: e }; }

  /* round to PREC significant digits, half even (Decimal's context rounding) */
  function round(x) {
    var digits = x.c.toString().length;
    if (digits <= PREC) return x;
    var drop = digits - PREC;
    var unit = pow10(drop);
    var q = x.c / unit, r = x.c % unit, half = unit / BigInt(2);
    if (r > half || (r === half && (q % BigInt(2)) === ONE)) q += ONE;
    return dec(x.neg, q, x.e + drop);
  }

  function signed(x, e) { var c = x.c * pow10(x.e - e); return x.neg ? -c : c; }

  function addExact(a, b) {
    var e = Math.min(a.e, b.e);
    var s = signed(a, e) + signed(b, e);
    return s < ZERO ? dec(true, -s, e) : dec(false, s, e);
  }

  function neg(x) { return dec(!x.neg, x.c, x.e); }
  function abs(x) { return round(dec(false, x.c, x.e)); }
  function sub(a, b) { return round(addExact(a, neg(b))); }
  function add(a, b) { return round(addExact(a, b)); }
  function mul(a, b) { return round(dec(a.neg !== b.neg, a.c * b.c, a.e + b.e)); }
  function cmp(a, b) {
    var d = addExact(a, neg(b));
    if (d.c === ZERO) return 0;
    return d.neg ? -1 : 1;
  }

  /* the exact decimal value of a finite double, as Python's Decimal(x) */
  function exactOfDouble(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var sign = (hi >>> 31) === 1;
    var exp = (hi >>> 20) & 0x7ff;
    var mant = (BigInt(hi & 0xfffff) << BigInt(32)) | BigInt(lo);
    if (exp === 0) exp = 1; else mant |= (ONE << BigInt(52));
    var k = exp - 1075;            // x = mant · 2^k
    if (mant === ZERO) return dec(sign, ZERO, 0);
    if (k >= 0) return dec(sign, mant << BigInt(k), 0);
    return dec(sign, mant * (BigInt(5) ** BigInt(-k)), k);   // m/2^n = m·5^n/10^n
  }

  /* a decimal string ("0.35890", "-1.5E+300", "-0") as a decimal, or null */
  function parseDecimal(text) {
    var m = DECIMAL.exec(text);
    if (m === null || !(m[2] || m[3])) return null;
    var frac = m[3] || "";
    var c = BigInt((m[2] || "") + frac || "0");
    return dec(m[1] === "-", c, Number(m[4] || 0) - frac.length);
  }

  function otherBase(t) {
    var s = t.replace(/^[+-]+/, "").slice(0, 2).toLowerCase();
    return s === "0x" || s === "0o" || s === "0b";
  }

  /* viz.worked.literals.decimals: the decimals a literal shows; throws past the caps */
  function decimals(text) {
    var t = text.trim().replace(/_/g, "");
    if (otherBase(t)) return 0;
    if (t.length > MAX_LITERAL) throw new Error("number literal too long");
    var m = DECIMAL.exec(t);
    if (m === null || !(m[2] || m[3])) throw new Error("not a number literal");
    var d = (m[3] || "").length - Number(m[4] || 0);
    if (Math.abs(d) > MAX_DECIMALS) throw new Error("too many decimals");
    return d;
  }

  /* what a typed or written number stands for: {text, value}, or null for no number */
  function readHand(raw) {
    var text = String(raw).trim().replace(/\u2212/g, "-");
    if (!text) return null;
    var t = text.replace(/_/g, "");
    var value;
    if (DECIMAL.test(t) && /[0-9]/.test(t)) value = Number(t);
    else if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$/.test(t)) value = Number(t.replace(/^0[oO]/, "0o"));
    else return null;
    if (isNaN(value)) return null;
    return { text: text, value: value };
  }

  /* verdicts.judge(HandNumber(value, text), engine, rtol) */
  function judge(hand, engineExact, engine, rtol) {
    if (!isFinite(engine) || !isFinite(hand.value)) return "wrong";
    var d, h;
    try {
      d = decimals(hand.text);
      h = otherBase(hand.text.trim().replace(/_/g, "")) ? null : parseDecimal(hand.text.trim().replace(/_/g, ""));
      if (h === null) h = exactOfDouble(hand.value);
    } catch (err) {   // an unreadable literal: judge by the value alone, to 15 digits
      d = hand.value === 0 ? 15 : 15 - Math.floor(Math.log10(Math.abs(hand.value)));
      h = exactOfDouble(hand.value);
    }
    var e = (typeof engineExact === "string" && parseDecimal(engineExact)) || exactOfDouble(engine);
    var halfUnit = dec(false, BigInt(5), -d - 1);
    var slack = mul(abs(e), dec(false, ONE, -12));
    if (cmp(abs(sub(e, h)), add(halfUnit, slack)) <= 0) return "exact";
    if (engine !== 0 && Math.abs(engine - hand.value) <= rtol * Math.abs(engine)) return "close";
    return "wrong";
  }

  /* the sign hint: a wrong number whose negative would be exact or close */
  function signHint(hand, engineExact, engine, rtol) {
    if (judge(hand, engineExact, engine, rtol) !== "wrong" || hand.value === 0) return false;
    var t = hand.text.trim();
    var flipped = t.charAt(0) === "-" ? t.slice(1) : (t.charAt(0) === "+" ? "-" + t.slice(1) : "-" + t);
    return judge({ text: flipped, value: -hand.value }, engineExact, engine, rtol) !== "wrong";
  }

  /* a decimal as text, for tests: "-12345E-4" */
  function show(x) { return (x.neg ? "-" : "") + x.c.toString() + "E" + x.e; }

  global.chainruleJudge = {
    judge: judge, signHint: signHint, readHand: readHand, decimals: decimals,
    exactOfDouble: function (x) { return show(exactOfDouble(x)); },
    parse: function (s) { var d = parseDecimal(s); return d && show(d); }
  };
})(typeof window !== "undefined" ? window : this);
