'use strict';
// How real storage accounts answer where Azurite answers like an open, flat, general-purpose v2 account: the fault proxy
// (fault-proxy.js) asks these before it forwards a request and after Azurite answers. Every condition is off by default and
// is set per test through the proxy's settings. Archive-tier blobs need nothing here: Azurite itself keeps the tier (Set
// Blob Tier) and refuses reads and copies of an archived blob with 409 BlobArchived, as Azure does.

const ACCOUNT_DEFAULTS = {
    hnsAccounts: [],         // accounts with a hierarchical namespace (ADLS Gen2): no Blob Index; account info says so
    firewallAccounts: [],    // accounts whose firewall refuses this network: every request 403 AuthorizationFailure
    clockSkewMinutes: 0,     // the service's clock runs this far from this machine's: every signed request 403 AuthenticationFailed
    copyFailures: [],        // [{ pathContains, description }]: an asynchronous copy into a matching blob ends 'failed'
    copySourceNow: null,     // the service's clock (ms since 1970) when it checks a copy source's SAS expiry (se)
    emptyFindPages: 0,       // Find Blobs by Tags answers this many empty pages, each with a continuation, before the real one
};

const FIND_MARKER = 'proxy-empty-';

// Azure's error answer: XML from the Blob service, JSON (OData) from the Table service.
function errorAnswer(headers, status, code, message, extra) {
    if (headers['dataserviceversion'] !== undefined || headers['maxdataserviceversion'] !== undefined) {
        return {
            status, code,
            body: JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: `${message}\nTime:${new Date().toISOString()}` } } }),
            headers: { 'content-type': 'application/json;odata=minimalmetadata' },
        };
    }
    return {
        status, code,
        body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nTime:${new Date().toISOString()}</Message>${extra || ''}</Error>`,
    };
}

function unescapeXml(s) {
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function accountOf(url) { return url.pathname.split('/').filter(s => s.length > 0)[0] || ''; }
function blobKey(pathname) { return decodeURIComponent(pathname).replace(/^\/+/, ''); }

// Whether a request reads or writes Blob Index tags (the requests an account without the index refuses).
function touchesTags(op, url, headers) {
    const include = (url.searchParams.get('include') || '').toLowerCase().split(',');
    return op === 'SetBlobTags' || op === 'GetBlobTags' || op === 'FindBlobsByTags' || headers['x-ms-tags'] !== undefined
        || (headers['x-ms-copy-source-tag-option'] || '').toUpperCase() === 'COPY' || (op === 'ListBlobs' && include.includes('tags'));
}

// The SAS expiry (se) of a copy's source URL, in ms, or null.
function copySourceExpiry(headers) {
    const source = headers['x-ms-copy-source'];
    if (!source) { return null; }
    try {
        const se = new URL(source).searchParams.get('se');
        return se ? Date.parse(se) : null;
    } catch (e) {
        return null;
    }
}

// A tag query's answer without its blobs, continued at marker.
function emptyPage(body, marker) {
    let xml = body.toString('utf8').replace(/<Blob>[\s\S]*?<\/Blob>/g, '');
    xml = xml.replace(/<NextMarker>[\s\S]*?<\/NextMarker>|<NextMarker\s*\/>/, '');
    return Buffer.from(xml.replace('</EnumerationResults>', `<NextMarker>${marker}</NextMarker></EnumerationResults>`), 'utf8');
}

class AccountConditions {
    constructor() { this.reset(); }

    reset() {
        this.pendingCopies = new Map(); // 'account/container/blob' -> description of the copy that will be reported failed
        this.heldPages = new Map();     // id -> the real answer to a tag query, held back behind empty pages
        this.pageIds = 0;
    }

    // Azure's refusal of the request under the settings, or null. Also the Date header the answer carries.
    refusal(s, op, url, headers) {
        const account = accountOf(url);
        if (s.firewallAccounts.includes(account)) {
            return errorAnswer(headers, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');
        }
        if (s.clockSkewMinutes && (headers['authorization'] || url.searchParams.get('sig'))) {
            const answer = errorAnswer(headers, 403, 'AuthenticationFailed',
                'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
                `<AuthenticationErrorDetail>Request date header too old: '${headers['x-ms-date'] || ''}'</AuthenticationErrorDetail>`);
            answer.date = new Date(Date.now() + s.clockSkewMinutes * 60000).toUTCString();
            return answer;
        }
        if (s.hnsAccounts.includes(account) && touchesTags(op, url, headers)) {
            const tagsQuery = op === 'ListBlobs';
            return errorAnswer(headers, 400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.',
                tagsQuery ? '<QueryParameterName>include</QueryParameterName><QueryParameterValue>tags</QueryParameterValue><Reason>Invalid query parameter value.</Reason>'
                    : '<QueryParameterName>comp</QueryParameterName><QueryParameterValue>tags</QueryParameterValue><Reason>Invalid query parameter value.</Reason>');
        }
        const expiry = copySourceExpiry(headers);
        if (s.copySourceNow !== null && expiry !== null && expiry < s.copySourceNow) {
            return errorAnswer(headers, 403, 'CannotVerifyCopySource', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.');
        }
        return null;
    }

    // The answer to a request that continues this proxy's own empty pages, given without asking Azurite (its signature covers the
    // marker, so the request cannot be sent on changed): another empty page, or the real page held back since the first request.
    canned(s, op, url, requestHeaders) {
        const marker = op === 'FindBlobsByTags' ? (url.searchParams.get('marker') || '') : '';
        if (!marker.startsWith(FIND_MARKER)) { return null; }
        const [id, served] = marker.substring(FIND_MARKER.length).split('-').map(Number);
        const held = this.heldPages.get(id);
        if (!held) { return null; }
        // Each answer names the request it answers; the SDK refuses one that names another.
        const echo = requestHeaders['x-ms-client-request-id'];
        if (echo) { held.headers['x-ms-client-request-id'] = echo; }
        if (served < s.emptyFindPages) {
            return { status: 200, headers: { ...held.headers }, body: emptyPage(held.body, `${FIND_MARKER}${id}-${served + 1}`) };
        }
        this.heldPages.delete(id);
        return { status: 200, headers: { ...held.headers }, body: held.body };
    }

    // Azurite's answer as a real account gives it: headers and body rewritten in place; returns the body.
    rewrite(s, op, url, status, headers, body) {
        const account = accountOf(url);
        if (op === 'GetAccountInfo' && status < 300) {
            headers['x-ms-is-hns-enabled'] = s.hnsAccounts.includes(account) ? 'true' : 'false';
        }
        const key = blobKey(url.pathname);
        if (status < 300 && (op === 'CopyBlob' || op === 'CopyBlobFromUrl' || op === 'PutBlob' || op === 'PutBlockList')) {
            this.pendingCopies.delete(key);
            const rule = op === 'CopyBlob' && s.copyFailures.find(r => !r.pathContains || key.includes(r.pathContains));
            if (rule) {
                headers['x-ms-copy-status'] = 'pending';
                this.pendingCopies.set(key, rule.description || 'The copy source could not be read.');
            }
        }
        if ((op === 'GetBlobProperties' || op === 'GetBlob') && this.pendingCopies.has(key) && status < 300) {
            headers['x-ms-copy-status'] = 'failed';
            headers['x-ms-copy-status-description'] = this.pendingCopies.get(key);
        }
        if (op === 'ListBlobs' && status === 200 && this.pendingCopies.size > 0) {
            // A blob whose copy this proxy reports failed is listed so too (include=copy).
            const container = url.pathname.split('/').filter(p => p.length > 0)[1];
            const xml = body.toString('utf8').replace(/<Blob>([\s\S]*?)<\/Blob>/g, (whole, inner) => {
                const name = (/<Name>([\s\S]*?)<\/Name>/.exec(inner) || [])[1];
                if (name === undefined || !this.pendingCopies.has(`${account}/${container}/${unescapeXml(name)}`)) { return whole; }
                return /<CopyStatus>/.test(whole)
                    ? whole.replace(/<CopyStatus>[^<]*<\/CopyStatus>/, '<CopyStatus>failed</CopyStatus>')
                    : whole.replace('</Properties>', '<CopyStatus>failed</CopyStatus></Properties>');
            });
            body = Buffer.from(xml, 'utf8');
            headers['content-length'] = String(body.length);
            delete headers['transfer-encoding'];
        }
        if (op === 'FindBlobsByTags' && status === 200 && s.emptyFindPages > 0 && !(url.searchParams.get('marker') || '').startsWith(FIND_MARKER)) {
            const id = ++this.pageIds;
            this.heldPages.set(id, { headers: { ...headers }, body });
            body = emptyPage(body, `${FIND_MARKER}${id}-1`);
            headers['content-length'] = String(body.length);
            delete headers['transfer-encoding'];
        }
        return body;
    }
}

module.exports = { ACCOUNT_DEFAULTS, AccountConditions };
