//! The AWS SDK's own cost of reading a Bedrock response stream, for the benchmark: drains
//! InvokeModelWithResponseStream and does nothing with the chunks (no JSON, no output). What llmgw adds on top of
//! this is its own share; what this costs is the floor for any client built on aws-sdk-bedrockruntime.
//!
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:PORT cargo run --release --example sdk_stream_floor -- MODEL`

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let model = std::env::args().nth(1).unwrap_or_else(|| "us.anthropic.claude-sonnet-4-5-20250929-v1:0".into());
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
    let client = aws_sdk_bedrockruntime::Client::new(&config);
    let body = br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}"#;
    let mut out = client
        .invoke_model_with_response_stream()
        .model_id(model)
        .content_type("application/json")
        .body(Blob::new(body.to_vec()))
        .send()
        .await
        .expect("stream request");
    let (mut chunks, mut bytes) = (0u64, 0usize);
    while let Some(event) = out.body.recv().await.expect("stream event") {
        if let ResponseStream::Chunk(part) = event {
            chunks += 1;
            bytes += part.bytes().map_or(0, |b| b.as_ref().len());
        }
    }
    eprintln!("{chunks} chunks, {bytes} payload bytes");
}
