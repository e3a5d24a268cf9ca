// The fault proxy's throttleRules: sustained throttling, or stalls, of one operation or name range (sequential names share a
// partition, and Azure throttles a partition, not an account).
//
// A rule: { operation?, pathContains?, rate? (1), count?, untilMs?, status? (503 | 500 | 429), retryAfterSeconds?, retryAfterMs?,
// stallMs? }. It answers a matching request 503 ServerBusy (500 OperationTimedOut, 429 TooManyRequests) with no Retry-After unless
// one is given (retryAfterMs as x-ms-retry-after-ms), or, with stallMs, holds it that long and forwards it only if the client still
// waits. It stops after `count` requests, or once the proxy's simulated clock (POST /__proxy/clock) reaches `untilMs`. Which
// requests a rate below 1 takes is decided per request (seed, rule, method, path and how often that request was seen), so the
// same requests are taken whatever order concurrent requests arrive in.
'use strict';

// FNV-1a of the text, then one step of mulberry32: a number in [0, 1) that depends on the text only.
function hashUnit(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
    let t = (h + 0x6D2B79F5) >>> 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

class ThrottleRules {
    constructor() { this.state = []; }

    // How many requests each rule took.
    taken() { return this.state.map(r => (r ? r.taken : 0)); }

    // The first rule that takes this request, as { rule, index }, or null.
    match(rules, seed, clockMs, op, method, url) {
        const path = decodeURIComponent(url.pathname);
        for (let i = 0; i < (rules || []).length; i++) {
            const rule = rules[i];
            if (rule.operation && rule.operation !== op) { continue; }
            if (rule.pathContains && !path.includes(rule.pathContains)) { continue; }
            const state = this.state[i] || (this.state[i] = { taken: 0, seen: new Map() });
            if (typeof rule.count === 'number' && state.taken >= rule.count) { continue; }
            if (typeof rule.untilMs === 'number' && clockMs >= rule.untilMs) { continue; }
            const key = `${method} ${path}?comp=${url.searchParams.get('comp') || ''}`;
            const n = (state.seen.get(key) || 0) + 1;
            state.seen.set(key, n);
            const rate = typeof rule.rate === 'number' ? rule.rate : 1;
            if (rate < 1 && hashUnit(`${seed}|${i}|${key}|${n}`) >= rate) { continue; }
            state.taken++;
            return { rule, index: i };
        }
        return null;
    }
}

// The answer of a busy service, in the proxy's error shape.
function busyAnswer(status, xmlError) {
    if (status === 500) { return xmlError(500, 'OperationTimedOut', 'Operation could not be completed within the specified time.'); }
    if (status === 429) { return xmlError(429, 'TooManyRequests', 'The request rate is too large.'); }
    return xmlError(503, 'ServerBusy', 'The server is currently unable to receive requests. Please retry your request.');
}

module.exports = { ThrottleRules, busyAnswer, hashUnit };
