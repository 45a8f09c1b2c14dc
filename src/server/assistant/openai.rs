//! The OpenAI-compatible Chat Completions API with streaming (server-sent events): OpenAI itself,
//! and local servers such as Ollama, llama.cpp's server and vLLM.
//!
//! `POST {url}/chat/completions` with `"stream": true` answers `text/event-stream`: one
//! `data: {json}` event per piece (`choices[0].delta.content`), then `data: [DONE]`.

use super::{AssistantConfig, Provider, ProviderError, Turn};
use eventsource_stream::Eventsource;
use futures_util::stream::{BoxStream, StreamExt};
use reqwest::{header, StatusCode};
use serde::Deserialize;
use std::time::Duration;

pub struct OpenAiCompatible {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
}

impl OpenAiCompatible {
    pub fn new(config: AssistantConfig) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .build()
            .unwrap_or_else(|error| {
                tracing::error!("assistant HTTP client: {error}; using the defaults");
                reqwest::Client::new()
            });
        Self {
            client,
            endpoint: format!("{}/chat/completions", config.url.trim_end_matches('/')),
            model: config.model,
            api_key: config.api_key,
            timeout: config.timeout,
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

/// Each wait for the provider (the response, then every next piece) is bounded.
async fn within<T>(
    timeout: Duration,
    work: impl std::future::Future<Output = T>,
) -> Result<T, ProviderError> {
    tokio::time::timeout(timeout, work).await.map_err(|_| ProviderError::Timeout)
}

impl Provider for OpenAiCompatible {
    fn answer(
        &self,
        turns: Vec<Turn>,
        max_chars: usize,
    ) -> BoxStream<'static, Result<String, ProviderError>> {
        let body = serde_json::json!({
            "model": self.model,
            "messages": turns,
            "stream": true,
            // About four characters a token; the answer is cut at `max_chars` anyway.
            "max_tokens": max_chars.div_ceil(4).max(16),
        });
        let mut request = self.client.post(&self.endpoint).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let timeout = self.timeout;
        Box::pin(async_stream::stream! {
            let response = match within(timeout, request.send()).await {
                Ok(Ok(response)) => response,
                Ok(Err(error)) if error.is_timeout() => {
                    yield Err(ProviderError::Timeout);
                    return;
                }
                Ok(Err(error)) => {
                    yield Err(ProviderError::Unreachable(error.to_string()));
                    return;
                }
                Err(timeout) => {
                    yield Err(timeout);
                    return;
                }
            };
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                yield Err(ProviderError::Unauthorized);
                return;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.trim().parse().ok());
                yield Err(ProviderError::RateLimited { retry_after });
                return;
            }
            if !status.is_success() {
                yield Err(ProviderError::Failed(status.as_u16()));
                return;
            }
            let mut events = response.bytes_stream().eventsource();
            loop {
                let event = match within(timeout, events.next()).await {
                    Ok(Some(Ok(event))) => event,
                    Ok(Some(Err(error))) => {
                        yield Err(ProviderError::Malformed(error.to_string()));
                        return;
                    }
                    // The stream ended without `[DONE]`.
                    Ok(None) => {
                        yield Err(ProviderError::Truncated);
                        return;
                    }
                    Err(timeout) => {
                        yield Err(timeout);
                        return;
                    }
                };
                let data = event.data.trim();
                if data == "[DONE]" {
                    return;
                }
                match serde_json::from_str::<Chunk>(data) {
                    Ok(chunk) => {
                        let text: String = chunk
                            .choices
                            .into_iter()
                            .filter_map(|choice| choice.delta.content)
                            .collect();
                        if !text.is_empty() {
                            yield Ok(text);
                        }
                    }
                    Err(error) => {
                        yield Err(ProviderError::Malformed(format!("{error}: {data}")));
                        return;
                    }
                }
            }
        })
    }
}
