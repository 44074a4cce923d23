/* An answer's event stream (the API's message stream, server-sent events read through fetch so the request
   carries the session and Last-Event-ID): parse it into events, hand each to the caller, and resume a
   dropped connection after the last event seen. Knows the protocol's framing, not what the events mean. */

import { data, S, url, sleep, errorText } from "./page.js";
import { setStatus, fail } from "./messages.js";

const RECONNECT_ATTEMPTS = 5;

export function openStream(state) {
  return fetch(url(data.urls.stream, state.messageId), {
    credentials: "same-origin", signal: state.controller.signal, headers: { "Last-Event-ID": state.lastEventId },
  });
}

/** Pass events to `handle` until it says the answer has ended (`done` or `error`); a dropped connection resumes
    after the last event seen. */
export async function follow(state, response, handle) {
  for (let attempt = 0; ; attempt++) {
    if (!response.ok) return fail(state, await errorText(response));
    try {
      for await (const event of readEvents(response)) {
        attempt = 0;
        if (event.id) state.lastEventId = event.id;
        if (await handle(state, event)) return;
      }
    } catch (error) {
      if (state.stopped) throw error;
    }
    if (!state.messageId || attempt >= RECONNECT_ATTEMPTS) return fail(state, S.network);
    setStatus(state.article, S.reconnecting);
    await sleep(500 * (attempt + 1));
    response = await openStream(state).catch(() => ({ ok: true, body: null }));
  }
}

async function* readEvents(response) {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) yield event;
    }
  }
}

/** One event block as {id, name, data} with its JSON data parsed; null for a comment or a block with no name. */
function parseEvent(block) {
  const event = { id: "", name: "", data: "" };
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") event.id = value;
    else if (field === "event") event.name = value;
    else if (field === "data") event.data += (event.data ? "\n" : "") + value;
  }
  return event.name ? { ...event, data: event.data ? JSON.parse(event.data) : {} } : null;
}
