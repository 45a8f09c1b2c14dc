// The Node reference for scripts/bench: the chat Parley replaces, written the way socket.io's own
// tutorial writes it (Express on one http.createServer, socket.io v4, SQLite through
// better-sqlite3), speaking exactly Parley's events and payloads for the benchmarked paths:
// `room:join` and `message:send` with acks, `room:changed` broadcasts to the room, catching up
// after a reconnection (`room:join {after}` and `room:sync`, pages of 200 messages, the way
// Parley answers them), and a server-rendered room page of the latest 50 messages whose script
// connects and joins the room.
// A yardstick, not a product.
//
// With REDIS_URL, several processes form one cluster the way socket.io's documentation does it:
// `@socket.io/redis-adapter` with a `redis` client pair, every process on the same SQLite file.
const express = require('express');
const { createServer } = require('node:http');
const { Server } = require('socket.io');
const Database = require('better-sqlite3');

const port = Number(process.env.PORT ?? 3200);
const db = new Database(process.env.DB ?? 'reference.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY, room TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL,
  body TEXT NOT NULL, client_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (room, seq), UNIQUE (author, client_id))`);
const insert = db.prepare(`INSERT INTO messages (room, seq, author, body, client_id, created_at)
  SELECT @room, COALESCE(MAX(seq), 0) + 1, @author, @body, @client_id, @created_at
  FROM messages WHERE room = @room
  ON CONFLICT (author, client_id) DO NOTHING RETURNING *`);
const latest = db.prepare('SELECT * FROM messages WHERE room = ? ORDER BY seq DESC LIMIT 50');
const last = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE room = ?');
const since = db.prepare('SELECT * FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT 201');

const app = express();
app.get('/healthz', (req, res) => res.send('ok'));
const escape = (text) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
app.get('/r/:room', (req, res) => {
  const rows = latest.all(req.params.room).reverse();
  const items = rows
    .map((m) => `<li id="m${m.seq}"><b>${escape(m.author)}</b> <p>${escape(m.body)}</p></li>`)
    .join('');
  // Like Parley's page: the status says "connected" once the socket has joined the room.
  const room = JSON.stringify(req.params.room).replace(/</g, '\\u003c');
  res.send(`<!doctype html><html><head><title>${escape(req.params.room)}</title></head>` +
    `<body><h1>#${escape(req.params.room)}</h1><p role="status" data-state="connecting"></p>` +
    `<ol>${items}</ol><script src="/socket.io/socket.io.min.js"></script><script>` +
    `const socket = io({ withCredentials: true }); socket.on('connect', () => ` +
    `socket.emit('room:join', { room: ${room} }, () => ` +
    `document.querySelector('[role=status]').dataset.state = 'connected'));</script></body></html>`);
});

const server = createServer(app);
const io = new Server(server, { maxHttpBufferSize: 64 * 1024 });
const nameOf = (socket) => {
  const match = /(?:^|;\s*)parley_name=([^;]*)/.exec(socket.handshake.headers.cookie ?? '');
  return match ? decodeURIComponent(match[1]) : null;
};
const toMessage = (row) => ({ ...row, rev: row.seq, edited_at: null, deleted: false, note: null, reactions: [] });
const refuse = (code, message) => ({ error: { code, message } });

io.on('connection', (socket) => {
  const name = nameOf(socket);
  // What was posted after a position, oldest first, at most 200 at a time (only posts change a
  // room here, so its position is its last message's number).
  const changes = (room, after) => {
    const rows = since.all(room, Number(after) || 0);
    const complete = rows.length <= 200;
    const page = rows.slice(0, 200).map((row) => ({ room, pos: row.seq, kind: 'posted', message: toMessage(row) }));
    const upto = page.length ? page[page.length - 1].pos : last.get(room).seq;
    return { changes: page, upto, complete };
  };
  socket.on('room:join', (input, ack) => {
    const room = String(input?.room);
    socket.join(`room:${room}`);
    const missed = input?.after === undefined ? { changes: [], upto: last.get(room).seq, complete: true } : changes(room, input.after);
    ack?.({ ok: { room: { slug: room, name: room }, online: [], changes: missed } });
  });
  // Rooms exist by being joined here; creating one only names it.
  socket.on('room:create', (input, ack) => ack?.({ ok: { slug: String(input?.name), name: String(input?.name) } }));
  socket.on('room:sync', (input, ack) => ack?.({ ok: changes(String(input?.room), input?.after) }));
  socket.on('message:send', (input, ack) => {
    const body = typeof input?.body === 'string' ? input.body.trim() : '';
    if (!name) return ack?.(refuse('not_identified', 'Choose a display name before chatting.'));
    if (!body) return ack?.(refuse('empty_message', 'A message cannot be empty.'));
    if (body.length > 4000) return ack?.(refuse('message_too_long', 'A message can be at most 4000 characters long.'));
    const row = insert.get({
      room: String(input.room), author: name, body, client_id: String(input.client_id), created_at: Date.now(),
    });
    if (!row) return ack?.({ ok: null });
    const pos = row.seq;
    const message = toMessage(row);
    ack?.({ ok: message });
    io.to(`room:${input.room}`).emit('room:changed', { room: input.room, pos, kind: 'posted', message });
  });
});

async function main() {
  if (process.env.REDIS_URL) {
    const { createClient } = require('redis');
    const { createAdapter } = require('@socket.io/redis-adapter');
    const pubClient = createClient({ url: process.env.REDIS_URL });
    const subClient = pubClient.duplicate();
    await Promise.all([pubClient.connect(), subClient.connect()]);
    io.adapter(createAdapter(pubClient, subClient));
  }
  server.listen(port, '127.0.0.1', () => console.log(`reference listening on http://127.0.0.1:${port}`));
}
main();
