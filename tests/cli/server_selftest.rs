//! The local Bedrock server checked on its own, below llmgw: over raw HTTP/1.1 with an independent frame decoder,
//! and through the AWS SDK, which must turn its replies into the same typed values and errors as real Bedrock's.
//! When an llmgw spec fails, these say whether to suspect the server or llmgw.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::bedrock::{
    BedrockServer, Frame, Reply, anthropic_message, anthropic_stream, converse_output, converse_stream, decode_frame,
    decode_frames, encode_frame, llama_generation, llama_stream,
};

const CLAUDE: &str = "anthropic.claude-3-sonnet-20240229-v1:0";
const CLAUDE_PATH: &str = "/model/anthropic.claude-3-sonnet-20240229-v1%3A0";

// ---------------------------------------------------------------------------------------------------------------
// A deliberately small HTTP/1.1 client, so these tests do not trust the server's own code.

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// False when the connection ended before the body did.
    complete: bool,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

impl Client {
    fn connect(server: &BedrockServer) -> Client {
        let writer = TcpStream::connect(server.addr()).expect("connect");
        writer.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client { reader: BufReader::new(writer.try_clone().unwrap()), writer }
    }

    fn post(&mut self, path: &str, body: &Value) -> Response {
        self.send(path, &[], &serde_json::to_vec(body).unwrap());
        self.read_response().expect("a response")
    }

    fn send(&mut self, path: &str, extra_headers: &[&str], body: &[u8]) {
        let mut request = format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n");
        for header in extra_headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        if !extra_headers.iter().any(|h| h.to_ascii_lowercase().starts_with("transfer-encoding")) {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        self.writer.write_all(request.as_bytes()).unwrap();
        self.writer.write_all(body).unwrap();
    }

    /// `None` when the connection closes before a status line.
    fn read_response(&mut self) -> Option<Response> {
        let mut line = String::new();
        if self.reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split_whitespace().nth(1).expect("status code").parse().expect("numeric status");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header line");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').expect("name: value");
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut response = Response { status, headers, body: Vec::new(), complete: true };
        if response.header("transfer-encoding") == Some("chunked") {
            response.complete = self.read_chunks(&mut response.body);
        } else {
            let length = response.header("content-length").expect("content-length").parse().unwrap();
            response.body.resize(length, 0);
            self.reader.read_exact(&mut response.body).expect("body");
        }
        Some(response)
    }

    /// Appends the chunks to `body`; false when the connection ends before the last chunk.
    fn read_chunks(&mut self, body: &mut Vec<u8>) -> bool {
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return false,
                Ok(_) => {}
            }
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            if size == 0 {
                line.clear();
                self.reader.read_line(&mut line).expect("final CRLF");
                return true;
            }
            let start = body.len();
            body.resize(start + size + 2, 0);
            if self.reader.read_exact(&mut body[start..]).is_err() {
                return false;
            }
            assert_eq!(&body[start + size..], b"\r\n", "chunk ends with CRLF");
            body.truncate(start + size);
        }
    }

    /// True when the server closed the connection (EOF) without sending anything more.
    fn closed(&mut self) -> bool {
        let mut byte = [0];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP level

#[test]
fn json_reply_round_trips_and_the_request_is_recorded() {
    let server = BedrockServer::start();
    let reply = anthropic_message("Hello there", 12, 3, "end_turn");
    server.push(Reply::Json(reply.clone()));

    let request = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": []});
    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke"), &request);

    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response.header("x-amzn-requestid").is_some_and(|id| !id.is_empty()));
    assert_eq!(response.json(), reply);

    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    let recorded = &recorded[0];
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.path, format!("{CLAUDE_PATH}/invoke"));
    assert_eq!(recorded.model_id, CLAUDE);
    assert_eq!(recorded.operation, "invoke");
    assert_eq!(recorded.header("Content-Type"), Some("application/json"));
    assert_eq!(recorded.body, request);
}

#[test]
fn one_connection_serves_many_requests() {
    let server = BedrockServer::start();
    server.push(Reply::Json(json!({"n": 1})));
    server.push(Reply::error(429, "ThrottlingException", "slow down"));
    server.push(Reply::Json(converse_output("hi", 1, 1)));

    let mut client = Client::connect(&server);
    let first = client.post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));
    let second = client.post("/model/meta.llama3-8b-instruct-v1%3A0/invoke", &json!({}));
    let third = client.post(&format!("{CLAUDE_PATH}/converse"), &json!({"messages": []}));

    assert_eq!((first.status, second.status, third.status), (200, 429, 200));
    assert_ne!(first.header("x-amzn-requestid"), second.header("x-amzn-requestid"));
    let operations: Vec<_> = server.requests().into_iter().map(|r| (r.model_id, r.operation)).collect();
    assert_eq!(
        operations,
        [
            (CLAUDE.to_owned(), "invoke".to_owned()),
            ("meta.llama3-8b-instruct-v1:0".to_owned(), "invoke".to_owned()),
            (CLAUDE.to_owned(), "converse".to_owned()),
        ]
    );
}

#[test]
fn error_reply_has_status_error_type_header_and_message_body() {
    let server = BedrockServer::start();
    server.push(Reply::error(429, "ThrottlingException", "Too many requests, please wait before trying again."));

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));

    assert_eq!(response.status, 429);
    assert_eq!(response.header("x-amzn-errortype"), Some("ThrottlingException"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response.header("x-amzn-requestid").is_some());
    assert_eq!(response.json(), json!({"message": "Too many requests, please wait before trying again."}));
}

#[test]
fn an_empty_queue_answers_500_no_scripted_reply() {
    let server = BedrockServer::start();

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));

    assert_eq!(response.status, 500);
    assert_eq!(response.header("x-amzn-errortype"), Some("InternalServerException"));
    assert_eq!(response.json()["message"], "no scripted reply");
}

#[test]
fn anthropic_stream_frames_decode_with_valid_crcs() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(anthropic_stream(&["Hel", "lo"], 12, 2, "end_turn")));

    let response =
        Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke-with-response-stream"), &json!({"messages": []}));

    assert_eq!(response.status, 200);
    assert!(response.complete, "the chunked body ends with its terminating chunk");
    assert_eq!(response.header("content-type"), Some("application/vnd.amazon.eventstream"));
    assert_eq!(response.header("x-amzn-bedrock-content-type"), Some("application/json"));
    let frames = decode_frames(&response.body).expect("valid frames");
    assert_eq!(frames.len(), 7);
    for frame in &frames {
        assert_eq!(frame.header(":message-type"), Some("event"));
        assert_eq!(frame.header(":event-type"), Some("chunk"));
        assert_eq!(frame.header(":content-type"), Some("application/json"));
        assert_eq!(frame.json().as_object().unwrap().keys().collect::<Vec<_>>(), ["bytes"]);
    }
    let chunks: Vec<Value> = frames.iter().map(|f| f.chunk_json()).collect();
    let types: Vec<&str> = chunks.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(chunks[0]["message"]["usage"]["input_tokens"], 12);
    assert_eq!(chunks[2]["delta"], json!({"type": "text_delta", "text": "Hel"}));
    assert_eq!(chunks[3]["delta"]["text"], "lo");
    assert_eq!(chunks[5]["delta"]["stop_reason"], "end_turn");
    assert_eq!(chunks[5]["usage"]["output_tokens"], 2);
    assert_eq!(chunks[6]["amazon-bedrock-invocationMetrics"]["inputTokenCount"], 12);
    assert_eq!(chunks[6]["amazon-bedrock-invocationMetrics"]["outputTokenCount"], 2);
}

#[test]
fn llama_stream_counts_tokens_and_ends_with_the_stop_reason() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(llama_stream(&["Hi", " there", "!"], 20, "stop")));

    let response = Client::connect(&server)
        .post("/model/meta.llama3-8b-instruct-v1%3A0/invoke-with-response-stream", &json!({"prompt": "x"}));

    let chunks: Vec<Value> = decode_frames(&response.body).unwrap().iter().map(|f| f.chunk_json()).collect();
    let text: String = chunks.iter().map(|c| c["generation"].as_str().unwrap()).collect();
    assert_eq!(text, "Hi there!");
    assert_eq!(chunks[0]["prompt_token_count"], 20);
    assert_eq!(chunks[1]["prompt_token_count"], Value::Null);
    let counts: Vec<u64> = chunks.iter().map(|c| c["generation_token_count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [1, 2, 3]);
    assert_eq!(chunks[1]["stop_reason"], Value::Null);
    assert_eq!(chunks[2]["stop_reason"], "stop");
    assert_eq!(chunks[2]["amazon-bedrock-invocationMetrics"]["outputTokenCount"], 3);
}

#[test]
fn converse_stream_events_are_named_in_the_event_type_header() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(converse_stream(&["a", "b"], 5, 2)));

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/converse-stream"), &json!({"messages": []}));

    assert_eq!(response.header("content-type"), Some("application/vnd.amazon.eventstream"));
    let frames = decode_frames(&response.body).unwrap();
    let names: Vec<&str> = frames.iter().map(|f| f.header(":event-type").unwrap()).collect();
    assert_eq!(
        names,
        ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
    );
    assert_eq!(frames[1].json(), json!({"contentBlockIndex": 0, "delta": {"text": "a"}}));
    assert_eq!(frames[4].json(), json!({"stopReason": "end_turn"}));
    assert_eq!(frames[5].json()["usage"], json!({"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}));
}

#[test]
fn exception_frames_carry_the_member_name_and_message() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(vec![
        Frame::Chunk(json!({"type": "message_start"})),
        Frame::Exception("ModelStreamErrorException".into(), "the model broke".into()),
    ]));

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke-with-response-stream"), &json!({}));

    let frames = decode_frames(&response.body).unwrap();
    assert_eq!(frames.len(), 2);
    let exception = &frames[1];
    assert_eq!(exception.header(":message-type"), Some("exception"));
    assert_eq!(exception.header(":exception-type"), Some("modelStreamErrorException"));
    assert_eq!(exception.header(":content-type"), Some("application/json"));
    assert_eq!(exception.json(), json!({"message": "the model broke"}));
}

#[test]
fn corrupt_crc_frames_fail_the_message_crc_check() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(vec![
        Frame::Chunk(json!({"type": "message_start"})),
        Frame::CorruptCrc(json!({"type": "content_block_delta"})),
    ]));

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke-with-response-stream"), &json!({}));

    let (first, used) = decode_frame(&response.body).expect("the first frame is intact");
    assert_eq!(first.chunk_json()["type"], "message_start");
    assert_eq!(decode_frame(&response.body[used..]).unwrap_err(), "message CRC mismatch");
}

#[test]
fn stream_frames_arrive_as_they_are_sent() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(vec![
        Frame::Chunk(json!({"n": 1})),
        Frame::Delay(Duration::from_millis(300)),
        Frame::Chunk(json!({"n": 2})),
    ]));
    let mut client = Client::connect(&server);
    client.send(&format!("{CLAUDE_PATH}/invoke-with-response-stream"), &[], b"{}");

    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        client.reader.read_line(&mut line).unwrap();
    }
    let started = Instant::now();
    line.clear();
    client.reader.read_line(&mut line).unwrap();
    let size = usize::from_str_radix(line.trim(), 16).unwrap();
    let mut frame = vec![0; size];
    client.reader.read_exact(&mut frame).unwrap();

    assert!(started.elapsed() < Duration::from_millis(250), "the first frame is not held back by the delay");
    assert_eq!(decode_frames(&frame).unwrap()[0].chunk_json(), json!({"n": 1}));
}

#[test]
fn drop_mid_stream_ends_the_body_without_its_last_chunk() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(vec![Frame::Chunk(json!({"type": "message_start"})), Frame::Drop]));

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke-with-response-stream"), &json!({}));

    assert_eq!(response.status, 200);
    assert!(!response.complete, "no terminating chunk");
    assert_eq!(decode_frames(&response.body).unwrap().len(), 1);
}

#[test]
fn drop_closes_the_connection_without_an_answer() {
    let server = BedrockServer::start();
    server.push(Reply::Drop);
    let mut client = Client::connect(&server);

    client.send(&format!("{CLAUDE_PATH}/invoke"), &[], b"{}");

    assert!(client.read_response().is_none());
    assert_eq!(server.requests().len(), 1, "the request was read and recorded");
}

#[test]
fn hang_answers_nothing_until_the_server_is_dropped() {
    let server = BedrockServer::start();
    server.push(Reply::Hang);
    let mut client = Client::connect(&server);
    client.send(&format!("{CLAUDE_PATH}/invoke"), &[], b"{}");

    client.writer.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut byte = [0];
    let waited = client.reader.read(&mut byte);
    assert!(waited.is_err(), "no answer while the server lives: {waited:?}");

    client.writer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    drop(server);
    assert!(client.closed());
}

#[test]
fn delay_holds_the_answer_back() {
    let server = BedrockServer::start();
    server.push(Reply::delay(Duration::from_millis(300), Reply::Json(json!({"late": true}))));
    let started = Instant::now();

    let response = Client::connect(&server).post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));

    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.json(), json!({"late": true}));
}

#[test]
fn chunked_request_bodies_are_read() {
    let server = BedrockServer::start();
    server.push(Reply::Json(json!({})));
    let mut client = Client::connect(&server);

    client.send(
        &format!("{CLAUDE_PATH}/invoke"),
        &["Transfer-Encoding: chunked"],
        b"5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
    );
    let response = client.read_response().unwrap();

    assert_eq!(response.status, 200);
    assert_eq!(server.requests()[0].body, json!({"a": 1}));
}

#[test]
fn the_fallback_answers_when_no_reply_is_queued() {
    let server =
        BedrockServer::builder().fallback(|request| Reply::Json(json!({"echo": request.model_id}))).start().unwrap();
    server.push(Reply::Json(json!({"scripted": true})));
    let mut client = Client::connect(&server);

    let first = client.post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));
    let second = client.post(&format!("{CLAUDE_PATH}/invoke"), &json!({}));

    assert_eq!(first.json(), json!({"scripted": true}));
    assert_eq!(second.json(), json!({"echo": CLAUDE}));
}

/// Known-answer frames from the format's published examples, so the encoder and the decoder are not only checked
/// against each other.
#[test]
fn the_encoder_matches_known_frames() {
    let mut bare = Vec::new();
    encode_frame(&mut bare, &[], br#"{"foo": "bar"}"#);
    let mut expected = vec![0, 0, 0, 30, 0, 0, 0, 0, 186, 242, 246, 138];
    expected.extend_from_slice(br#"{"foo": "bar"}"#);
    expected.extend_from_slice(&[174, 114, 88, 228]);
    assert_eq!(bare, expected);

    let mut with_header = Vec::new();
    encode_frame(&mut with_header, &[("content-type", "application/json")], br#"{"foo": "bar"}"#);
    let mut expected = vec![0, 0, 0, 62, 0, 0, 0, 32, 64, 93, 249, 70, 12];
    expected.extend_from_slice(b"content-type");
    expected.extend_from_slice(&[7, 0, 16]);
    expected.extend_from_slice(b"application/json");
    expected.extend_from_slice(br#"{"foo": "bar"}"#);
    expected.extend_from_slice(&[111, 162, 191, 59]);
    assert_eq!(with_header, expected);
}

// ---------------------------------------------------------------------------------------------------------------
// Through the AWS SDK: the server's replies become the values and typed errors real Bedrock's would.

mod sdk {
    use aws_sdk_bedrockruntime::Client;
    use aws_sdk_bedrockruntime::config::retry::RetryConfig;
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
    use aws_sdk_bedrockruntime::primitives::Blob;
    use aws_sdk_bedrockruntime::types::error::{ConverseStreamOutputError, ResponseStreamError};
    use aws_sdk_bedrockruntime::types::{
        ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput, Message, ResponseStream, StopReason,
    };

    use super::*;

    fn client(server: &BedrockServer) -> Client {
        let config = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(server.url())
            .credentials_provider(Credentials::new("AKIDTESTTESTTEST", "test-secret", None, None, "test"))
            .retry_config(RetryConfig::disabled())
            .build();
        Client::from_conf(config)
    }

    fn user_says(text: &str) -> Message {
        Message::builder().role(ConversationRole::User).content(ContentBlock::Text(text.into())).build().unwrap()
    }

    #[tokio::test]
    async fn invoke_model_reads_the_body_and_the_request_is_signed() {
        let server = BedrockServer::start();
        server.push(Reply::Json(llama_generation("Hello", 9, 1, "stop")));

        let output = client(&server)
            .invoke_model()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .content_type("application/json")
            .body(Blob::new(br#"{"prompt":"hi"}"#.to_vec()))
            .send()
            .await
            .expect("invoke_model succeeds");

        let body: Value = serde_json::from_slice(output.body().as_ref()).unwrap();
        assert_eq!(body["generation"], "Hello");
        assert_eq!(output.content_type(), "application/json");
        let request = &server.requests()[0];
        assert_eq!(request.path, "/model/meta.llama3-8b-instruct-v1%3A0/invoke");
        assert_eq!(request.model_id, "meta.llama3-8b-instruct-v1:0");
        assert_eq!(request.body, json!({"prompt": "hi"}));
        let auth = request.header("authorization").expect("signed");
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST/"), "{auth}");
        assert!(auth.contains("/us-east-1/bedrock/aws4_request"), "{auth}");
    }

    #[tokio::test]
    async fn http_errors_become_typed_errors() {
        let server = BedrockServer::start();
        let cases = [
            (429, "ThrottlingException"),
            (403, "AccessDeniedException"),
            (400, "ValidationException"),
            (404, "ResourceNotFoundException"),
            (424, "ModelErrorException"),
            (500, "InternalServerException"),
            (503, "ServiceUnavailableException"),
        ];
        let client = client(&server);
        for (status, error_type) in cases {
            server.push(Reply::error(status, error_type, &format!("message of {error_type}")));

            let error = client
                .invoke_model()
                .model_id(CLAUDE)
                .body(Blob::new(b"{}".to_vec()))
                .send()
                .await
                .expect_err("an error reply fails the call");

            assert_eq!(error.raw_response().map(|r| r.status().as_u16()), Some(status));
            let error = error.into_service_error();
            assert_eq!(error.code(), Some(error_type));
            assert_eq!(error.message(), Some(format!("message of {error_type}").as_str()));
            assert!(error.meta().extra("aws_request_id").is_some(), "request id read from x-amzn-requestid");
            match error_type {
                "ThrottlingException" => assert!(error.is_throttling_exception()),
                "AccessDeniedException" => assert!(error.is_access_denied_exception()),
                "ValidationException" => assert!(error.is_validation_exception()),
                "ResourceNotFoundException" => assert!(error.is_resource_not_found_exception()),
                "ModelErrorException" => assert!(error.is_model_error_exception()),
                "InternalServerException" => assert!(error.is_internal_server_exception()),
                _ => assert!(error.is_service_unavailable_exception()),
            }
        }
    }

    #[tokio::test]
    async fn invoke_stream_yields_chunks_then_a_typed_exception() {
        let server = BedrockServer::start();
        let mut frames = anthropic_stream(&["Hel", "lo"], 12, 2, "end_turn");
        frames.truncate(4);
        frames.push(Frame::Exception("ThrottlingException".into(), "slow down".into()));
        server.push(Reply::Stream(frames));

        let mut output = client(&server)
            .invoke_model_with_response_stream()
            .model_id(CLAUDE)
            .body(Blob::new(b"{}".to_vec()))
            .send()
            .await
            .expect("the stream opens");

        assert_eq!(output.content_type(), "application/json");
        let mut texts = Vec::new();
        let error = loop {
            match output.body.recv().await {
                Ok(Some(ResponseStream::Chunk(part))) => {
                    let chunk: Value = serde_json::from_slice(part.bytes().unwrap().as_ref()).unwrap();
                    if let Some(text) = chunk["delta"]["text"].as_str() {
                        texts.push(text.to_owned());
                    }
                }
                Ok(Some(other)) => panic!("unexpected event {other:?}"),
                Ok(None) => panic!("the stream ended without the exception"),
                Err(error) => break error,
            }
        };
        assert_eq!(texts, ["Hel", "lo"]);
        let error = error.into_service_error();
        assert!(matches!(error, ResponseStreamError::ThrottlingException(_)), "{error:?}");
        assert_eq!(error.message(), Some("slow down"));
    }

    #[tokio::test]
    async fn invoke_stream_ends_cleanly_after_message_stop() {
        let server = BedrockServer::start();
        server.push(Reply::Stream(llama_stream(&["a", "b"], 3, "stop")));

        let mut output = client(&server)
            .invoke_model_with_response_stream()
            .model_id("meta.llama3-8b-instruct-v1:0")
            .body(Blob::new(b"{}".to_vec()))
            .send()
            .await
            .unwrap();

        let mut chunks = 0;
        while let Some(event) = output.body.recv().await.expect("no stream error") {
            assert!(matches!(event, ResponseStream::Chunk(_)));
            chunks += 1;
        }
        assert_eq!(chunks, 2);
    }

    #[tokio::test]
    async fn corrupt_crc_fails_the_stream() {
        let server = BedrockServer::start();
        server.push(Reply::Stream(vec![Frame::CorruptCrc(json!({"type": "message_start"}))]));

        let mut output = client(&server)
            .invoke_model_with_response_stream()
            .model_id(CLAUDE)
            .body(Blob::new(b"{}".to_vec()))
            .send()
            .await
            .unwrap();

        assert!(output.body.recv().await.is_err());
    }

    #[tokio::test]
    async fn converse_reads_text_stop_reason_and_usage() {
        let server = BedrockServer::start();
        server.push(Reply::Json(converse_output("Hi!", 7, 2)));

        let output = client(&server).converse().model_id(CLAUDE).messages(user_says("hello")).send().await.unwrap();

        let message = output.output().unwrap().as_message().unwrap();
        assert_eq!(message.content()[0].as_text().unwrap(), "Hi!");
        assert_eq!(output.stop_reason(), &StopReason::EndTurn);
        let usage = output.usage().unwrap();
        assert_eq!((usage.input_tokens(), usage.output_tokens(), usage.total_tokens()), (7, 2, 9));
        let request = &server.requests()[0];
        assert_eq!(request.operation, "converse");
        assert_eq!(request.body["messages"][0]["content"][0]["text"], "hello");
    }

    #[tokio::test]
    async fn converse_stream_yields_deltas_stop_and_metadata() {
        let server = BedrockServer::start();
        let mut frames = converse_stream(&["Hi", "!"], 7, 2);
        frames.push(Frame::Exception("ModelStreamErrorException".into(), "late failure".into()));
        server.push(Reply::Stream(frames));

        let mut output =
            client(&server).converse_stream().model_id(CLAUDE).messages(user_says("hello")).send().await.unwrap();

        let mut text = String::new();
        let (mut stop, mut usage) = (None, None);
        let error = loop {
            match output.stream.recv().await {
                Ok(Some(ConverseStreamOutput::ContentBlockDelta(event))) => {
                    if let Some(ContentBlockDelta::Text(piece)) = event.delta() {
                        text.push_str(piece);
                    }
                }
                Ok(Some(ConverseStreamOutput::MessageStop(event))) => stop = Some(event.stop_reason().clone()),
                Ok(Some(ConverseStreamOutput::Metadata(event))) => usage = event.usage().cloned(),
                Ok(Some(_)) => {}
                Ok(None) => panic!("the stream ended without the exception"),
                Err(error) => break error,
            }
        };
        assert_eq!(text, "Hi!");
        assert_eq!(stop, Some(StopReason::EndTurn));
        let usage = usage.expect("metadata with usage");
        assert_eq!((usage.input_tokens(), usage.output_tokens()), (7, 2));
        let error = error.into_service_error();
        assert!(matches!(error, ConverseStreamOutputError::ModelStreamErrorException(_)), "{error:?}");
        assert_eq!(server.requests()[0].operation, "converse-stream");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The command sandbox

#[test]
fn the_sandbox_scrubs_the_environment_and_points_home_at_a_temporary_directory() {
    let server = BedrockServer::start();
    let sandbox = crate::support::Sandbox::bedrock(&server);
    let cmd = sandbox.llmgw();
    let envs: Vec<(String, Option<String>)> = cmd
        .get_envs()
        .map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_string_lossy().into_owned())))
        .collect();
    let get = |name: &str| envs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());

    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let leaky = ["AWS_", "LLMGW_", "OPENAI_", "AZURE_", "XDG_"].iter().any(|p| name.starts_with(p));
        if leaky || name == "NO_COLOR" {
            assert!(get(&name).is_some(), "{name} is removed or replaced");
        }
    }
    let home = sandbox.home().to_str().unwrap().to_owned();
    assert_eq!(get("HOME"), Some(Some(home.clone())));
    assert_eq!(get("XDG_CONFIG_HOME"), Some(Some(format!("{home}/.config"))));
    assert_eq!(get("XDG_DATA_HOME"), Some(Some(format!("{home}/.local/share"))));
    assert_eq!(get("AWS_EC2_METADATA_DISABLED"), Some(Some("true".to_owned())));
    assert!(!std::path::Path::new(&get("AWS_CONFIG_FILE").unwrap().unwrap()).exists());
    assert!(!std::path::Path::new(&get("AWS_SHARED_CREDENTIALS_FILE").unwrap().unwrap()).exists());
    assert_eq!(get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"), Some(Some(server.url())));
    assert_eq!(get("AWS_REGION"), Some(Some("us-east-1".to_owned())));
    assert!(sandbox.config_home().is_dir() && sandbox.data_home().is_dir());
}
