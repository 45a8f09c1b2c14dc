// A local stand-in for a paid AI provider, for the browser specs: it speaks the OpenAI Chat
// Completions streaming protocol (POST /v1/chat/completions → text/event-stream, `data:` lines,
// `data: [DONE]`). It answers "Noted: <the question>" a word at a time; a question containing
// "step by step" takes about three seconds (long enough to watch it being written), and one
// containing "slowly" a minute (so that it can be stopped).
import { createServer } from 'node:http';

const port = Number(process.env.FAKE_OPENAI_PORT ?? 3101);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

createServer(async (request, response) => {
  if (request.method === 'GET') {
    response.end('ok');
    return;
  }
  if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of request) body += chunk;
  const turns = JSON.parse(body).messages ?? [];
  const question = turns.filter((turn) => turn.role === 'user').at(-1)?.content ?? '';
  const slow = question.includes('slowly');
  const steps = question.includes('step by step')
    ? Array.from({ length: 20 }, (_, i) => ` step${i + 1}`)
    : [];
  const words = slow
    ? Array.from({ length: 200 }, (_, i) => `word${i + 1} `)
    : [...`Noted: ${question}`.split(/(?<= )/), ...steps];
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let open = true;
  response.on('close', () => (open = false));
  for (const word of words) {
    if (!open) return;
    const chunk = { object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word }, finish_reason: null }] };
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    await sleep(slow ? 300 : steps.length ? 150 : 30);
  }
  response.end('data: [DONE]\n\n');
}).listen(port, '127.0.0.1');
