#!/usr/bin/env node
// A fault-injecting reverse proxy between the Azure SDK and Azurite, for tests and benchmarks only.
// It adds what Azurite on loopback never shows: latency, throttling, connection faults, Blob Index lag,
// SAS permission letters, accounts without Blob Index, and a way to hold every response at a known point.
//
//   node fault-proxy.js --target 127.0.0.1:10000 [--tableTarget 127.0.0.1:10002] [--port 0] [--seed 1]
//
// With --tableTarget it also stands before Azurite's table service: a request the Table SDK sends (it carries
// DataServiceVersion) goes there and is classified as a table operation (TableBatch, QueryEntities, InsertEntity, ...).
//
// Prints 'LISTENING <port>' once it accepts connections. Programmed over HTTP on its own port:
//   GET  /__proxy/stats                  counts by operation, held requests, whether paused
//   POST /__proxy/settings  {json}       merges settings (see DEFAULTS); returns them
//   POST /__proxy/reset                  default settings, empty log, resumed
//   POST /__proxy/pause | /__proxy/resume
//   GET  /__proxy/paused?timeoutMs=N     answers once the proxy is paused and holds a request (408 otherwise)
//   GET  /__proxy/clock | POST /__proxy/clock {advanceToMs|advanceMs}   the simulated clock throttleRules end on
// Requests Azurite makes to itself (it validates a copy source with a HEAD through the same host) are counted
// apart, as 'Internal:<operation>', and are never faulted or held, so a pause holds only the client.
'use strict';
const http = require('http');
const { ACCOUNT_DEFAULTS, AccountConditions } = require('./account-conditions');
const { ThrottleRules, busyAnswer } = require('./throttle-rules');

const DEFAULTS = {
    latencyMs: 0,            // added before each request is forwarded
    jitterMs: 0,             // +/- uniform
    throttleRate: 0,         // share of requests answered 503 ServerBusy / 500 OperationTimedOut
    throttleStatuses: [503, 500],
    retryAfterSeconds: 1,    // the Retry-After of throttleRate's answers; null for none
    resetRequestRate: 0,     // share of requests whose connection is destroyed before they are forwarded
    resetResponseRate: 0,    // share of responses cut off mid-body
    stallRate: 0,            // share of requests held for stallMs before they are forwarded
    stallMs: 0,
    indexLagMs: 0,           // Find Blobs by Tags hides a blob whose tags were written less than this ago
    enforceSasPermissions: false, // 't' for tags (Set/Get Tags, tags on copy), 'f' for Find; a container SAS never reaches the container itself
    noBlobIndexAccounts: [], // accounts answered as Azure answers an account without Blob Index
    pauseAfter: null,        // { operation: 'CopyBlob', count: 50 }: pause once that many more were answered
    faultOperations: null,   // null = every operation may be faulted; else only these
    failRules: [],           // [{ operation ('*' for any), pathContains?, status, code }]: answered so, every time, before Azurite sees it
    tableThrottleRate: 0,    // share of table requests answered as Cosmos DB for Table throttles: 429 with x-ms-retry-after-ms
    tableRetryAfterMs: 20,   // the x-ms-retry-after-ms of those answers
    tableThrottleNext: null, // { operation: 'TableBatch', count: 8 }: the next that many of it answered 429 (outlasting the SDK's retries)
    tableShuffle: false,     // entity and table queries answer their rows in a seeded random order (Cosmos DB does not sort)
    throttleRules: [],       // sustained throttling or stalls of a name range, see throttleRule below
    ...ACCOUNT_DEFAULTS,     // how real accounts answer (account-conditions.js)
};

function parseArgs(argv) {
    const args = { port: 0, seed: 1, target: null, tableTarget: null };
    for (let i = 0; i < argv.length; i += 2) {
        const key = argv[i].replace(/^--/, '');
        args[key] = argv[i + 1];
    }
    if (!args.target) { throw new Error('--target host:port is required'); }
    const [host, port] = args.target.split(':');
    const [tableHost, tablePort] = args.tableTarget ? args.tableTarget.split(':') : [null, 0];
    return { port: Number(args.port), seed: Number(args.seed), targetHost: host, targetPort: Number(port), tableHost, tablePort: Number(tablePort) };
}

// The first part of a blob's name after its container ('claims' of /account/container/claims/x), or '-' for none.
function itemTypeOf(url) {
    const parts = url.pathname.split('/').filter(p => p.length > 0);
    return parts.length >= 3 ? decodeURIComponent(parts[2]) : '-';
}

// mulberry32: small, seeded, the same sequence on every run.
function seededRandom(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// The REST operation of a request, from method, path depth and query.
function classify(method, url, headers) {
    const q = url.searchParams;
    const comp = q.get('comp');
    const restype = q.get('restype');
    const depth = url.pathname.split('/').filter(s => s.length > 0).length; // account[/container[/blob]]
    if (depth <= 1) {
        if (comp === 'blobs') { return 'FindBlobsByTags'; }
        if (comp === 'list') { return 'ListContainers'; }
        if (restype === 'account') { return 'GetAccountInfo'; }
        if (restype === 'service') { return method === 'PUT' ? 'SetServiceProperties' : 'GetServiceProperties'; }
        return `Account:${method}`;
    }
    if (depth === 2 && restype === 'container') {
        if (comp === 'list') { return 'ListBlobs'; }
        if (comp === 'blobs') { return 'FindBlobsByTags'; }
        if (comp === 'lease') { return 'LeaseContainer'; }
        if (comp === 'metadata') { return 'SetContainerMetadata'; }
        if (comp === 'acl') { return method === 'PUT' ? 'SetContainerAcl' : 'GetContainerAcl'; }
        if (restype === 'account' || comp === 'properties') { return 'GetAccountInfo'; }
        if (method === 'PUT') { return 'CreateContainer'; }
        if (method === 'DELETE') { return 'DeleteContainer'; }
        return 'GetContainerProperties';
    }
    if (restype === 'account') { return 'GetAccountInfo'; }
    if (comp === 'tags') { return method === 'PUT' ? 'SetBlobTags' : 'GetBlobTags'; }
    if (comp === 'block') { return headers['x-ms-copy-source'] ? 'PutBlockFromUrl' : 'PutBlock'; }
    if (comp === 'blocklist') { return method === 'PUT' ? 'PutBlockList' : 'GetBlockList'; }
    if (comp === 'lease') { return 'LeaseBlob'; }
    if (comp === 'metadata') { return 'SetBlobMetadata'; }
    if (comp === 'properties') { return 'SetBlobProperties'; }
    if (comp === 'copy') { return 'AbortCopyBlob'; }
    if (comp === 'tier') { return 'SetBlobTier'; }
    if (comp === 'snapshot') { return 'SnapshotBlob'; }
    if (method === 'PUT' && headers['x-ms-copy-source']) {
        return headers['x-ms-requires-sync'] === 'true' ? 'CopyBlobFromUrl' : 'CopyBlob';
    }
    if (method === 'PUT') { return 'PutBlob'; }
    if (method === 'DELETE') { return 'DeleteBlob'; }
    if (method === 'HEAD') { return 'GetBlobProperties'; }
    if (method === 'GET') { return 'GetBlob'; }
    return `Blob:${method}`;
}

// A request of the Table service: its SDK (and OData clients) send DataServiceVersion; no blob request does.
function isTableRequest(headers) {
    return headers['dataserviceversion'] !== undefined || headers['maxdataserviceversion'] !== undefined;
}

// The Table REST operation of a request: /account/$batch, /account/Tables[('t')], /account/t(PartitionKey='p',RowKey='r'), /account/t().
function classifyTable(method, url) {
    const parts = url.pathname.split('/').filter(s => s.length > 0);
    const resource = decodeURIComponent(parts[1] || '');
    if (resource === '$batch') { return 'TableBatch'; }
    if (url.searchParams.get('comp') === 'acl') { return method === 'PUT' ? 'SetTableAcl' : 'GetTableAcl'; }
    if (/^Tables(\(.*\))?$/.test(resource)) {
        return method === 'POST' ? 'CreateTable' : method === 'DELETE' ? 'DeleteTable' : 'QueryTables';
    }
    const keyed = /\(.*PartitionKey.*\)$/.test(resource);
    if (keyed) {
        if (method === 'GET') { return 'GetEntity'; }
        if (method === 'PUT') { return 'UpdateEntity'; }
        if (method === 'DELETE') { return 'DeleteEntity'; }
        return 'MergeEntity'; // MERGE, PATCH
    }
    if (method === 'POST') { return 'InsertEntity'; }
    if (method === 'GET') { return 'QueryEntities'; }
    return `Table:${method}`;
}

// Cosmos DB for Table's answer to a request over the provisioned throughput.
function tooManyRequests(retryAfterMs) {
    const body = JSON.stringify({ 'odata.error': { code: 'TooManyRequests', message: { lang: 'en-us', value: 'Message: {"Errors":["Request rate is large."]}' } } });
    return { status: 429, code: 'TooManyRequests', body, headers: { 'content-type': 'application/json;odata=minimalmetadata', 'x-ms-retry-after-ms': String(retryAfterMs) } };
}

// A seeded shuffle of a query answer's rows.
function shuffleRows(text, random) {
    const doc = JSON.parse(text);
    if (!Array.isArray(doc.value)) { return text; }
    for (let i = doc.value.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [doc.value[i], doc.value[j]] = [doc.value[j], doc.value[i]];
    }
    return JSON.stringify(doc);
}

function xmlError(status, code, message) {
    return {
        status, code,
        body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nTime:${new Date().toISOString()}</Message></Error>`,
    };
}

// Operations on a container (or the account) that a container SAS cannot authorize.
const CONTAINER_LEVEL = ['GetContainerProperties', 'CreateContainer', 'DeleteContainer', 'LeaseContainer', 'SetContainerMetadata',
    'GetContainerAcl', 'SetContainerAcl', 'ListContainers', 'GetServiceProperties', 'SetServiceProperties'];

// The account of a request: the first path segment (Azurite's path-style URLs).
function accountOf(url) { return url.pathname.split('/').filter(s => s.length > 0)[0] || ''; }
function blobKey(pathname) { return decodeURIComponent(pathname).replace(/^\/+/, ''); }

class FaultProxy {
    constructor(options) {
        this.options = options;
        this.accounts = new AccountConditions();
        this.active = 0;             // client requests not yet answered (held, forwarded or being answered), control requests aside
        this.reset();
    }

    reset() {
        this.settings = JSON.parse(JSON.stringify(DEFAULTS));
        this.random = seededRandom(this.options.seed);
        this.counts = {};
        this.byType = {};
        this.total = 0;
        this.faults = {};
        this.answered = {};
        this.maxRequestBytes = {};
        this.tagWrites = new Map(); // 'account/container/blob' -> ms of its last tag write
        this.accounts.reset();
        this.clockMs = 0;            // the simulated clock of throttleRules' untilMs
        this.throttle = new ThrottleRules();
        this.resume();
    }

    apply(patch) {
        for (const [k, v] of Object.entries(patch)) {
            if (!(k in DEFAULTS) && k !== 'seed') { throw new Error(`unknown setting '${k}'`); }
            if (k === 'seed') { this.random = seededRandom(Number(v)); this.seed = Number(v); } else { this.settings[k] = v; }
            if (k === 'throttleRules') { this.throttle = new ThrottleRules(); }
            // A pause point counts from the moment it is set.
            if (k === 'pauseAfter' && v) { this.pauseBase = this.answered[v.operation] || 0; }
            if (k === 'tableThrottleNext') { this.tableThrottleLeft = v ? Number(v.count) : 0; }
        }
        return this.settings;
    }

    pause() {
        if (!this.paused) {
            this.paused = true;
            this.gate = new Promise(resolve => { this.release = resolve; });
        }
    }

    resume() {
        this.paused = false;
        this.held = 0;
        if (this.release) { this.release(); }
        this.release = null;
        this.gate = Promise.resolve();
        for (const w of this.pauseWaiters || []) { clearTimeout(w.timer); w.res.writeHead(408).end(); }
        this.pauseWaiters = [];
    }

    // Waits while paused; counts what it holds and wakes whoever waits for a held request.
    async hold() {
        if (!this.paused) { return; }
        this.held++;
        this.notifyPaused();
        await this.gate;
    }

    notifyPaused() {
        if (!this.paused || this.held === 0) { return; }
        for (const w of this.pauseWaiters) {
            clearTimeout(w.timer);
            w.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ paused: true, held: this.held }));
        }
        this.pauseWaiters = [];
    }

    stats() {
        return {
            total: this.total, operations: this.counts, byType: this.byType, faults: this.faults, paused: this.paused, held: this.held,
            active: this.active, maxRequestBytes: this.maxRequestBytes, clockMs: this.clockMs, throttleRules: this.throttle.taken(),
        };
    }

    count(table, op) { table[op] = (table[op] || 0) + 1; }

    chance(rate) { return rate > 0 && this.random() < rate; }

    faultable(op) {
        const only = this.settings.faultOperations;
        return !only || only.includes(op);
    }

    async control(req, res, url) {
        const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        const route = url.pathname.substring('/__proxy/'.length);
        let body = '';
        for await (const chunk of req) { body += chunk; }
        try {
            switch (route) {
                case 'stats': return send(200, this.stats());
                case 'settings': return send(200, body ? this.apply(JSON.parse(body)) : this.settings);
                case 'reset': this.reset(); return send(200, this.stats());
                case 'pause': this.pause(); return send(200, this.stats());
                case 'resume': this.resume(); return send(200, this.stats());
                case 'clock': {
                    const c = body ? JSON.parse(body) : {};
                    if (typeof c.advanceMs === 'number') { this.clockMs += c.advanceMs; }
                    if (typeof c.advanceToMs === 'number') { this.clockMs = Math.max(this.clockMs, c.advanceToMs); }
                    return send(200, { nowMs: this.clockMs });
                }
                case 'paused': {
                    if (this.paused && this.held > 0) { return send(200, { paused: true, held: this.held }); }
                    const timeoutMs = Number(url.searchParams.get('timeoutMs') || 30000);
                    const waiter = { res, timer: null };
                    waiter.timer = setTimeout(() => {
                        this.pauseWaiters = this.pauseWaiters.filter(w => w !== waiter);
                        send(408, { paused: this.paused, held: this.held });
                    }, timeoutMs);
                    this.pauseWaiters.push(waiter);
                    return undefined;
                }
                default: return send(404, { error: `no route '${route}'` });
            }
        } catch (e) {
            return send(400, { error: e.message });
        }
    }

    // Azure's answer where the request needs a SAS letter the token lacks, or an account without Blob Index.
    refusal(op, url, headers) {
        const s = this.settings;
        for (const rule of s.failRules) {
            if ((rule.operation === op || rule.operation === '*') && (!rule.pathContains || decodeURIComponent(url.pathname).includes(rule.pathContains))) {
                return xmlError(rule.status, rule.code, `Refused by the test's rule for ${op}.`);
            }
        }
        const tagged = op === 'SetBlobTags' || op === 'GetBlobTags' || op === 'FindBlobsByTags' ||
            (headers['x-ms-tags'] !== undefined) || (headers['x-ms-copy-source-tag-option'] || '').toUpperCase() === 'COPY';
        const real = this.accounts.refusal(s, op, url, headers);
        if (real) { return real; }
        if (tagged && s.noBlobIndexAccounts.includes(accountOf(url))) {
            return xmlError(409, 'FeatureNotSupportedForAccount', 'Blob index tags are not supported for this account.');
        }
        if (s.enforceSasPermissions) {
            // A container SAS (sr=c) reaches the container's blobs, never the container itself (its properties, creation, lease).
            if (url.searchParams.get('sig') && url.searchParams.get('sr') === 'c' && CONTAINER_LEVEL.includes(op)) {
                return xmlError(403, 'AuthorizationResourceTypeMismatch', 'This request is not authorized to perform this operation using this resource type.');
            }
            const need = op === 'FindBlobsByTags' ? 'f' : (tagged ? 't' : null);
            const sp = url.searchParams.get('sp');
            if (need && url.searchParams.get('sig') && sp !== null && !sp.includes(need)) {
                return xmlError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.');
            }
            // Copying tags needs 't' on the source's SAS too.
            const source = headers['x-ms-copy-source'];
            if (source && (headers['x-ms-copy-source-tag-option'] || '').toUpperCase() === 'COPY') {
                const src = new URL(source);
                const ssp = src.searchParams.get('sp');
                if (src.searchParams.get('sig') && ssp !== null && !ssp.includes('t')) {
                    return xmlError(403, 'CannotVerifyCopySource', 'This request is not authorized to perform this operation using this permission.');
                }
            }
        }
        return null;
    }

    throttleRule(op, method, url) {
        return this.throttle.match(this.settings.throttleRules, this.seed || this.options.seed, this.clockMs, op, method, url);
    }

    noteTagWrite(op, url, headers, status) {
        if (status >= 300) { return; }
        const writes = op === 'SetBlobTags' || headers['x-ms-tags'] !== undefined ||
            ((op === 'CopyBlob' || op === 'CopyBlobFromUrl') && (headers['x-ms-copy-source-tag-option'] || '').toUpperCase() === 'COPY');
        if (writes && (op === 'SetBlobTags' || op === 'PutBlob' || op === 'PutBlockList' || op === 'CopyBlob' || op === 'CopyBlobFromUrl')) {
            this.tagWrites.set(blobKey(url.pathname), Date.now());
        }
    }

    // Removes from a Find response every blob whose tags were written less than indexLagMs ago.
    hideFresh(xml, url) {
        const lag = this.settings.indexLagMs;
        const now = Date.now();
        const account = accountOf(url);
        return xml.replace(/<Blob>([\s\S]*?)<\/Blob>/g, (whole, inner) => {
            const name = (/<Name>([\s\S]*?)<\/Name>/.exec(inner) || [])[1];
            const container = (/<ContainerName>([\s\S]*?)<\/ContainerName>/.exec(inner) || [])[1];
            if (name === undefined || container === undefined) { return whole; }
            const key = `${account}/${container}/${unescapeXml(name)}`;
            const written = this.tagWrites.get(key);
            return written !== undefined && now - written < lag ? '' : whole;
        });
    }

    async handle(req, res) {
        const url = new URL(req.url, 'http://proxy');
        if (url.pathname.startsWith('/__proxy/')) { return this.control(req, res, url); }
        const internal = /^axios/i.test(req.headers['user-agent'] || '');
        const table = this.options.tablePort > 0 && isTableRequest(req.headers);
        const op = table ? classifyTable(req.method, url) : classify(req.method, url, req.headers);
        const label = internal ? `Internal:${op}` : op;
        this.total++;
        this.count(this.counts, label);
        this.count(this.byType, `${label} ${itemTypeOf(url)}`);
        const s = this.settings;
        const mayFault = !internal && this.faultable(op);

        if (!internal) { await this.hold(); }
        if (!internal && (s.latencyMs > 0 || s.jitterMs > 0)) {
            const delay = Math.max(0, s.latencyMs + (this.random() * 2 - 1) * s.jitterMs);
            await new Promise(r => setTimeout(r, delay));
        }
        if (mayFault && this.chance(s.resetRequestRate)) {
            this.count(this.faults, 'resetRequest');
            req.socket.destroy();
            return undefined;
        }
        if (mayFault && this.chance(s.stallRate)) {
            this.count(this.faults, 'stall');
            await new Promise(r => setTimeout(r, s.stallMs));
        }
        const ruled = internal ? null : this.throttleRule(op, req.method, url);
        if (ruled && typeof ruled.rule.stallMs === 'number') {
            this.count(this.faults, `rule${ruled.index}:stall`);
            let gone = false;
            res.on('close', () => { gone = !res.writableFinished; });
            await new Promise(r => setTimeout(r, ruled.rule.stallMs));
            // A client that gave up on the request is gone: its request never reaches the store.
            if (gone || req.socket.destroyed) { return undefined; }
        }
        let refusal = internal ? null : this.refusal(op, url, req.headers);
        if (!refusal && table && mayFault) {
            const next = s.tableThrottleNext;
            if ((next && next.operation === op && this.tableThrottleLeft > 0) || this.chance(s.tableThrottleRate)) {
                if (next && next.operation === op && this.tableThrottleLeft > 0) { this.tableThrottleLeft--; }
                refusal = tooManyRequests(s.tableRetryAfterMs);
                this.count(this.faults, 'throttle429');
            }
        }
        const busyRule = ruled && typeof ruled.rule.stallMs !== 'number' ? ruled.rule : null;
        const throttled = !refusal && (busyRule !== null || (mayFault && this.chance(s.throttleRate)));
        if (refusal || throttled) {
            let answer = refusal;
            if (!answer && busyRule) {
                answer = busyAnswer(busyRule.status || 503, xmlError);
                this.count(this.faults, `rule${ruled.index}:${answer.status}`);
            } else if (!answer) {
                const status = s.throttleStatuses[Math.floor(this.random() * s.throttleStatuses.length)];
                answer = status === 500
                    ? xmlError(500, 'OperationTimedOut', 'Operation could not be completed within the specified time.')
                    : xmlError(503, 'ServerBusy', 'The server is currently unable to receive requests. Please retry your request.');
                this.count(this.faults, `throttle${status}`);
            }
            let length = 0;
            for await (const chunk of req) { length += chunk.length; /* drain the body */ }
            this.noteRequestBytes(label, length);
            const headers = { 'content-type': 'application/xml', 'x-ms-error-code': answer.code, ...(answer.headers || {}), 'content-length': Buffer.byteLength(answer.body) };
            const after = busyRule ? busyRule.retryAfterSeconds : s.retryAfterSeconds;
            if (throttled && after !== undefined && after !== null) { headers['retry-after'] = String(after); }
            if (busyRule && typeof busyRule.retryAfterMs === 'number') { headers['x-ms-retry-after-ms'] = String(busyRule.retryAfterMs); }
            if (answer.date) { headers['date'] = answer.date; }
            res.writeHead(answer.status, headers).end(answer.body);
            this.count(this.answered, label);
            this.checkPauseAfter(op);
            return undefined;
        }

        const canned = internal ? null : this.accounts.canned(s, op, url, req.headers);
        if (canned) {
            for await (const _ of req) { /* drain the body */ }
            canned.headers['content-length'] = String(canned.body.length);
            delete canned.headers['transfer-encoding'];
            res.writeHead(canned.status, canned.headers).end(canned.body);
            this.count(this.answered, label);
            return undefined;
        }
        const upstream = http.request({
            host: table ? this.options.tableHost : this.options.targetHost, port: table ? this.options.tablePort : this.options.targetPort,
            method: req.method, path: req.url, headers: req.headers,
        });
        upstream.on('error', () => { if (!res.headersSent) { res.writeHead(502).end(); } else { res.destroy(); } });
        let sent = 0;
        req.on('data', chunk => { sent += chunk.length; });
        req.on('end', () => this.noteRequestBytes(label, sent));
        // A client gone before its request's body arrived whole: the partial request is dropped upstream too (never committed).
        const abandon = () => { if (!req.complete) { upstream.destroy(); } };
        req.on('close', abandon);
        if (req.destroyed) { abandon(); }
        req.pipe(upstream);
        // Settles however the upstream request ends, so that every request the proxy took is answered or dropped (stats.active).
        const response = await new Promise((resolve, reject) => {
            upstream.on('response', resolve);
            upstream.on('error', reject);
            upstream.on('close', () => reject(new Error('upstream closed without an answer')));
        });
        this.noteTagWrite(op, url, req.headers, response.statusCode);
        const chunks = [];
        for await (const chunk of response) { chunks.push(chunk); }
        let body = Buffer.concat(chunks);
        const headers = { ...response.headers };
        if (!internal && !table) { body = this.accounts.rewrite(s, op, url, response.statusCode, headers, body); }
        if (table && s.tableShuffle && (op === 'QueryEntities' || op === 'QueryTables') && response.statusCode === 200) {
            body = Buffer.from(shuffleRows(body.toString('utf8'), this.random), 'utf8');
            headers['content-length'] = String(body.length);
            delete headers['transfer-encoding'];
        }
        if (!table && op === 'FindBlobsByTags' && s.indexLagMs > 0 && response.statusCode === 200) {
            body = Buffer.from(this.hideFresh(body.toString('utf8'), url), 'utf8');
            headers['content-length'] = String(body.length);
            delete headers['transfer-encoding'];
        }
        this.count(this.answered, label);
        this.checkPauseAfter(op, internal);
        if (!internal) { await this.hold(); }
        if (mayFault && body.length > 1 && this.chance(s.resetResponseRate)) {
            this.count(this.faults, 'resetResponse');
            res.writeHead(response.statusCode, headers);
            // The headers and half the body reach the client before the connection drops: a real cut mid-body.
            res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.destroy(), 5));
            return undefined;
        }
        res.writeHead(response.statusCode, headers).end(body);
        return undefined;
    }

    noteRequestBytes(label, length) {
        if (length > (this.maxRequestBytes[label] || 0)) { this.maxRequestBytes[label] = length; }
    }

    checkPauseAfter(op, internal) {
        const p = this.settings.pauseAfter;
        if (internal || !p || op !== p.operation) { return; }
        if ((this.answered[op] || 0) - (this.pauseBase || 0) >= p.count) {
            this.settings.pauseAfter = null;
            this.pause();
        }
    }
}

function unescapeXml(s) {
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function main() {
    const options = parseArgs(process.argv.slice(2));
    const proxy = new FaultProxy(options);
    const server = http.createServer((req, res) => {
        const control = (req.url || '').startsWith('/__proxy/');
        if (!control) { proxy.active++; }
        proxy.handle(req, res)
            .catch(() => { if (!res.headersSent) { res.writeHead(502).end(); } else { res.destroy(); } })
            .finally(() => { if (!control) { proxy.active--; } });
    });
    server.keepAliveTimeout = 60000;
    server.listen(options.port, '127.0.0.1', () => {
        process.stdout.write(`LISTENING ${server.address().port}\n`);
    });
    const stop = () => server.close(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

if (require.main === module) { main(); }
module.exports = { classify, classifyTable, isTableRequest, FaultProxy, seededRandom };
