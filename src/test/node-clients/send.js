// Sends one session (group, identify, track, page) through a real client library to the bundle.
// Usage: node send.js <rudderstack|segment> <bundle base URL> <write key> <user id>
// Exits 0 once the library reports every event delivered, 1 (with the library's error) otherwise.
const [client, url, writeKey, userId] = process.argv.slice(2);
const groupId = `${userId}-account`;
const session = [
  ['group', { userId, groupId, traits: { name: 'Initech', plan: 'Enterprise' } }],
  ['identify', { userId, traits: { email: `${userId}@example.com`, name: 'Ann' } }],
  ['track', { userId, event: 'Completed Purchase', properties: { category: 'Conversion', revenue: 42.5 } }],
  ['page', { userId, category: 'Docs', name: 'Index' }],
];

function fail(error) {
  console.error(`${client}: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
}

async function rudderstack() {
  const Analytics = require('@rudderstack/rudder-sdk-node');
  const analytics = new Analytics(writeKey, { dataPlaneUrl: url, flushAt: 20, flushInterval: 60000, retryCount: 0,
    errorHandler: fail, logLevel: 'error' });
  for (const [call, message] of session) {
    analytics[call](message);
  }
  await analytics.flush();
}

async function segment() {
  const { Analytics } = require('@segment/analytics-node');
  const analytics = new Analytics({ writeKey, host: url, maxEventsInBatch: 20, flushInterval: 60000, maxRetries: 0 });
  const failures = [];
  analytics.on('error', (error) => failures.push(error));
  for (const [call, message] of session) {
    analytics[call](message);
  }
  await analytics.closeAndFlush({ timeout: 20000 });
  if (failures.length) {
    fail(JSON.stringify(failures));
  }
}

({ rudderstack, segment }[client] || (() => fail(`no client ${client}`)))().then(() => process.exit(0), fail);
