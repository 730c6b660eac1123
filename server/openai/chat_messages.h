#pragma once
// Chat messages as a client sends them -> the messages the chat template renders. Owns the message rules:
// roles (developer is rendered as system), text-only content (string or text parts), tool_calls on assistant
// turns, tool_call_id on tool turns. Every fault is a 400 with param "messages" naming the element
// ("messages[2].content[1]"). Must not render, tokenize, or look at any other request field.
#include <nlohmann/json.hpp>

namespace edgeserve::openai {

// Normalizes `messages` (the request's field, as sent; null when absent) into an array of objects, one per
// message, with keys in this order and only these:
//   role            "system" | "user" | "assistant" | "tool"   ("developer" arrives as "system")
//   content         a string: text parts joined with "\n" (vLLM's join); "" for an assistant turn that has
//                   only tool_calls
//   name            when the message has one
//   tool_calls      assistant only, when non-empty: [{id?, type: "function", function: {name, arguments}}];
//                   arguments sent as a JSON string holding an object become that object (as vLLM does, so
//                   templates that apply `tojson` do not double-encode), any other string stays a string
//   tool_call_id    tool only
//   reasoning_content  assistant only, when sent as a string (Qwen3's template re-renders it)
// Throws detail::RequestFault (see request_json.h) on the first fault.
nlohmann::ordered_json normalize_chat_messages(const nlohmann::ordered_json& messages);

}  // namespace edgeserve::openai
