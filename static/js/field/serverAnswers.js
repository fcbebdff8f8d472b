// The server's answers to the outbox's requests as plain data: the body (JSON or nothing), the error it
// carries as an ApiError, and that error as a record that can be stored in IndexedDB.

import { ApiError } from "../common/api.js";

export async function parseBody(response) {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function apiError(status, body) {
  const error = body && typeof body === "object" ? body.error : null;
  return error && typeof error === "object"
    ? new ApiError({ status, code: error.code, message: error.message, messageZh: error.message_zh,
      details: Array.isArray(error.details) ? error.details : [] })
    : new ApiError({ status, message: `HTTP ${status}`, messageZh: `服务器错误（HTTP ${status}）` });
}

/** Plain data of an error for storing with the item (ApiError instances do not survive IndexedDB). */
export function errorRecord(error) {
  return { status: error.status, code: error.code, message: error.message, message_zh: error.messageZh };
}
