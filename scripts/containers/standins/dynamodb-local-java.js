#!/usr/bin/env node
// `java` in the local stand-in for the amazon/dynamodb-local image (see build-standins.sh).
// That image's entrypoint is `java` and its command `-jar DynamoDBLocal.jar <options>`; this
// shim reads the same command line and serves the DynamoDB wire protocol on the same port with
// dynalite, so compose.yaml runs either image unchanged:
//   -port N       port (default 8000)
//   -dbPath DIR   keep the tables in DIR (relative to the working directory, as upstream)
//   -inMemory     keep nothing (the default when no -dbPath is given)
//   -sharedDb     accepted: dynalite keeps one database whatever the credentials and region
//   -delayTransientStatuses  tables pass through CREATING/DELETING like DynamoDB; without it
//                 they are ACTIVE at once, as DynamoDB Local does by default
// Anything else stops with an error rather than being silently ignored.
//
// dynalite lacks TransactWriteItems, which DynamoDB Local has and the message store uses. This
// shim serves the port itself, passes every other request to dynalite unchanged, and carries
// out a transaction as its single-item writes (each with its condition), undoing the writes
// already made when one fails. Requests are served one at a time, so no other request sees a
// transaction half done: atomic and isolated, as DynamoDB's transactions appear to a client.
'use strict';

const http = require('http');
const path = require('path');
const dynalite = require('/opt/dynalite/node_modules/dynalite');

function usage(message) {
  console.error(`java (dynamodb-local stand-in): ${message}`);
  console.error('usage: java -jar DynamoDBLocal.jar [-port N] [-dbPath DIR | -inMemory] [-sharedDb] [-delayTransientStatuses]');
  process.exit(2);
}

const args = process.argv.slice(2);
const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
let port = 8000;
let jar = null;
let inMemory = false;
for (let i = 0; i < args.length; i++) {
  const value = () => (i + 1 < args.length ? args[++i] : usage(`${args[i]} needs a value`));
  switch (args[i]) {
    case '-jar': jar = value(); break;
    case '-port': port = Number(value()); break;
    case '-dbPath': options.path = path.resolve(value()); break;
    case '-inMemory': inMemory = true; break;
    case '-sharedDb': break;
    case '-delayTransientStatuses':
      delete options.createTableMs; delete options.deleteTableMs; delete options.updateTableMs;
      break;
    default: usage(`unsupported argument ${args[i]}`);
  }
}
if (jar !== 'DynamoDBLocal.jar') usage('only `-jar DynamoDBLocal.jar` runs here');
if (inMemory && options.path) usage('-inMemory and -dbPath are exclusive');
if (!Number.isInteger(port) || port < 1 || port > 65535) usage('bad -port');

const store = dynalite(options);

// One request at a time (see above).
let queue = Promise.resolve();
function serialized(work) {
  const run = queue.then(work, work);
  queue = run.catch(() => {});
  return run;
}

// Calls dynalite with the client's own headers (dynalite checks their form, not the signature)
// and `operation` as the target: a name (PutItem) or a client's whole X-Amz-Target.
function call(headers, operation, body) {
  const target = operation.includes('.') ? operation : `DynamoDB_20120810.${operation}`;
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: store.address().port,
      method: 'POST',
      path: '/',
      headers: { ...headers, 'x-amz-target': target, 'content-length': payload.length },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = {};
        try { json = JSON.parse(text || '{}'); } catch (error) { json = {}; }
        resolve({ status: response.statusCode, headers: response.headers, text, json });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function failure(status, type, message, extra = {}) {
  return { status, json: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra } };
}

async function transactWriteItems(headers, body) {
  const items = (JSON.parse(body).TransactItems || []).map((entry) => {
    const [kind] = Object.keys(entry);
    return { kind, spec: entry[kind] };
  });
  if (items.length === 0 || items.length > 100) {
    return failure(400, 'ValidationException', 'TransactItems must hold 1 to 100 items');
  }
  const keySchemas = {};
  const keyOf = async ({ kind, spec }) => {
    if (kind !== 'Put') return spec.Key;
    if (!keySchemas[spec.TableName]) {
      const described = await call(headers, 'DescribeTable', { TableName: spec.TableName });
      if (described.status !== 200) throw described;
      keySchemas[spec.TableName] = described.json.Table.KeySchema.map((key) => key.AttributeName);
    }
    return Object.fromEntries(keySchemas[spec.TableName].map((name) => [name, spec.Item[name]]));
  };
  const undo = [];
  const rollBack = async () => {
    for (const { table, key, before } of undo.reverse()) {
      if (before) await call(headers, 'PutItem', { TableName: table, Item: before });
      else await call(headers, 'DeleteItem', { TableName: table, Key: key });
    }
  };
  for (let i = 0; i < items.length; i++) {
    const { kind, spec } = items[i];
    let key;
    try { key = await keyOf(items[i]); } catch (error) { await rollBack(); return error; }
    const current = await call(headers, 'GetItem', { TableName: spec.TableName, Key: key, ConsistentRead: true });
    if (current.status !== 200) { await rollBack(); return current; }
    undo.push({ table: spec.TableName, key, before: current.json.Item });
    // A condition check is an update that changes nothing, undone at the end like the rest.
    const operation = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'UpdateItem' }[kind];
    if (!operation) { await rollBack(); return failure(400, 'ValidationException', `unknown transaction item ${kind}`); }
    const request = { ...spec };
    delete request.ReturnValuesOnConditionCheckFailure;
    const result = await call(headers, operation, request);
    if (kind === 'ConditionCheck' && result.status === 200) {
      const { table, before } = undo.pop();
      if (before) await call(headers, 'PutItem', { TableName: table, Item: before });
      else await call(headers, 'DeleteItem', { TableName: table, Key: key });
    }
    if (result.status !== 200) {
      await rollBack();
      if (!String(result.json.__type).endsWith('ConditionalCheckFailedException')) return result;
      const reasons = items.map((_, j) => (j === i
        ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }
        : { Code: 'None' }));
      return failure(400, 'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        { CancellationReasons: reasons });
    }
  }
  return { status: 200, json: {} };
}

const front = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const target = String(request.headers['x-amz-target'] || '');
    serialized(async () => {
      if (request.method === 'POST' && target.endsWith('.TransactWriteItems')) {
        return transactWriteItems(request.headers, body);
      }
      return call(request.headers, target, body);
    }).then((result) => {
      // dynalite's own answer as it is; the shim's answers in the same form.
      const text = result.text !== undefined ? result.text : JSON.stringify(result.json);
      response.writeHead(result.status, result.headers || {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `standin-${Date.now()}`,
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    }, (error) => {
      console.error(error);
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) }));
    });
  });
});

store.listen(0, '127.0.0.1', () => {
  front.listen(port, () => {
    console.log(`DynamoDB Local stand-in (dynalite) on port ${port}, ${options.path ? `data in ${options.path}` : 'in memory'}`);
  });
});

// PID 1 gets no default signal handling: stop on SIGTERM (docker stop) and SIGINT, closing the
// store so its files are consistent, and do not wait for idle keep-alive connections.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    setTimeout(() => process.exit(0), 2000).unref();
    front.close();
    if (front.closeAllConnections) front.closeAllConnections();
    store.close(() => process.exit(0));
  });
}
