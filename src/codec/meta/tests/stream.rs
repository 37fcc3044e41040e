//! The Llama stream decoder: turn ends split across chunks, invented turns, replays, stop strings, and agreement
//! with the whole-body decode for every split and random chunking.

use super::*;

#[test]
fn llama_stream_decodes_recorded_chunks() {
    let chunks = [
        br#"{"generation":"Paris","prompt_token_count":17,"generation_token_count":1,"stop_reason":null}"#.to_vec(),
        br#"{"generation":" is the","prompt_token_count":null,"generation_token_count":3,"stop_reason":null}"#.to_vec(),
        br#"{"generation":" capital.","prompt_token_count":null,"generation_token_count":5,"stop_reason":"stop",
            "amazon-bedrock-invocationMetrics":{"inputTokenCount":17,"outputTokenCount":5,
            "invocationLatency":403,"firstByteLatency":211}}"#
            .to_vec(),
    ];
    let run = run_chunks(&[], &chunks);
    assert_eq!(run.deltas, ["Paris", " is the", " capital."]);
    assert_eq!(
        run.end.unwrap(),
        StreamEnd {
            stop_reason: Some("end_turn".into()),
            usage: Usage { input_tokens: 17, output_tokens: 5, estimated: false }
        }
    );
}

#[test]
fn llama_stream_never_prints_eot_split_across_chunks() {
    let text = "Hello there.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nmore";
    for (a, b) in splits(text) {
        let run = run(&[], &[a, b]);
        assert_eq!(run.text(), "Hello there.", "split {a:?} | {b:?}");
        assert!(run.done(), "split {a:?} | {b:?}");
        assert_eq!(run.stop_reason(), Some("end_turn"));
    }
}

#[test]
fn llama_stream_never_prints_eot_split_into_single_characters() {
    let run = run(&[], &chars("Hi!<|eot_id|>user"));
    assert_eq!(run.text(), "Hi!");
    assert!(run.done());
}

#[test]
fn llama_stream_never_prints_start_header_split_across_chunks() {
    let text = "Done.<|start_header_id|>user<|end_header_id|>\n\nNext?";
    for (a, b) in splits(text) {
        assert_eq!(run(&[], &[a, b]).text(), "Done.", "split {a:?} | {b:?}");
    }
}

#[test]
fn llama_stream_stops_before_invented_user_turn() {
    let run = run(&[], &["4", ".", "<|eot_id|>", "<|start_header_id|>", "user", "<|end_header_id|>", "\n\n", "5?"]);
    assert_eq!(run.text(), "4.");
    assert!(run.done());
    assert_eq!(run.steps.len(), 3, "must stop reading at the end of the turn");
    assert_eq!(run.stop_reason(), Some("end_turn"));
}

#[test]
fn llama_stream_stops_before_invented_user_turn_without_special_tokens() {
    let text = "It is 4.\n\nuser\n\nAnd 5?\n\nassistant\n\n5.";
    for (a, b) in splits(text) {
        let run = run(&[], &[a, b]);
        assert_eq!(run.text(), "It is 4.", "split {a:?} | {b:?}");
        assert_eq!(run.stop_reason(), Some("end_turn"));
    }
    let run = run(&[], &chars(text));
    assert_eq!(run.text(), "It is 4.");
    assert!(run.done());
}

#[test]
fn llama_stream_stops_before_invented_assistant_turn_with_colon() {
    let run = run(&[], &["Sure", ".\n", "\nassistant", ":\n", "\n", "I", " also"]);
    assert_eq!(run.text(), "Sure.");
    assert!(run.done());
}

/// A sentence long and varied enough that a chunk starting with its first 32 bytes proves a repeat.
const SENTENCE: &str = "The sky over the harbour is blue, and the sea below it is green.";

/// `SENTENCE` cut after each word, cumulatively: every chunk is the whole text so far.
fn cumulative(text: &str) -> Vec<&str> {
    let mut ends: Vec<usize> = text.match_indices(' ').map(|(at, _)| at).collect();
    ends.push(text.len());
    ends.into_iter().map(|end| &text[..end]).collect()
}

#[test]
fn llama_stream_does_not_repeat_cumulative_chunks() {
    let chunks = cumulative(SENTENCE);
    let run = run(&[], &chunks);
    assert_eq!(run.text(), SENTENCE);
    // Held back until 32 bytes proved the stream cumulative, then printed as it grows.
    let proved = chunks.iter().position(|c| c.len() >= 32).unwrap() + 1;
    assert_eq!(run.deltas[0], chunks[0]);
    assert_eq!(run.deltas[1], &chunks[proved][chunks[0].len()..]);
    assert_eq!(run.deltas.len(), 2 + chunks.len() - proved - 1, "{:?}", run.deltas);
}

#[test]
fn llama_stream_does_not_repeat_final_replay_of_whole_text() {
    let mut pieces: Vec<&str> = SENTENCE.split_inclusive(' ').collect();
    pieces.push(SENTENCE);
    assert_eq!(run(&[], &pieces).text(), SENTENCE);
}

#[test]
fn llama_stream_does_not_repeat_replay_in_the_final_chunk() {
    let (a, b) = SENTENCE.split_at(20);
    let chunks = [chunk(a), chunk(b), last_chunk(SENTENCE, "stop")];
    let run = run_chunks(&[], &chunks);
    assert_eq!(run.text(), SENTENCE);
    assert_eq!(run.stop_reason(), Some("end_turn"));
}

#[test]
fn llama_stream_does_not_repeat_cumulative_chunk_containing_eot() {
    let text = "Okay, that is all there is to it.";
    let with_eot = format!("{text}<|eot_id|>");
    let invented = format!("{with_eot}<|start_header_id|>user");
    let run = run(&[], &["Okay,", "Okay, that is", text, &with_eot, &invented]);
    assert_eq!(run.text(), text);
    assert!(run.done());
}

/// Short texts are never proof: a chunk that starts with (or equals) everything before it is real text unless the
/// text it repeats is long and varied. `-`, `-`, `--`, `-` printed `---`.
#[test]
fn llama_stream_keeps_short_repeated_tokens() {
    assert_eq!(run(&[], &["-", "-", "--", "-"]).text(), "-----");
    assert_eq!(run(&[], &["ha", "ha", "!"]).text(), "haha!");
    assert_eq!(run(&[], &["abc", "abc", "ab", "abcabcab"]).text(), "abcabcababcabcab");
    assert_eq!(run(&[], &["The", "The sky", "The sky is"]).text(), "TheThe skyThe sky is");
    // Runs of one character are what long tokens are made of: never proof, however long.
    let dashes = "-".repeat(40);
    assert_eq!(run(&[], &[&dashes, &dashes]).text(), "-".repeat(80));
}

/// No text lost, no text doubled: random incremental streams of short, often repeated tokens print exactly what a
/// whole body with the same text prints. And the same texts, when long and varied enough to prove it, sent
/// cumulatively or with a final replay, print the text once.
#[test]
fn llama_stream_random_repeated_tokens_lose_and_double_nothing() {
    const TOKENS: [&str; 12] = ["-", "--", "---", "-", " ", "  ", "\n", "a", "ab", "-a", "==", "ha"];
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..5_000 {
        let pieces: Vec<&str> = (0..1 + next(24)).map(|_| TOKENS[next(TOKENS.len())]).collect();
        let text: String = pieces.concat();
        let expected = decode(&text, &[]).content;
        assert_eq!(run(&[], &pieces).text(), expected, "pieces {pieces:?}");
    }
    for _ in 0..2_000 {
        let words: Vec<&str> = (0..8 + next(12)).map(|_| ["sky ", "sea ", "a ", "blue ", "--- "][next(5)]).collect();
        let text = words.concat();
        let expected = decode(&text, &[]).content;
        // Cumulative: the whole text so far at each word.
        let cumulative: Vec<String> = (1..=words.len()).map(|n| words[..n].concat()).collect();
        let chunks: Vec<&str> = cumulative.iter().map(String::as_str).collect();
        if chunks[..chunks.len() - 1].iter().any(|c| repeats::proves_for_tests(c)) {
            assert_eq!(run(&[], &chunks).text(), expected, "cumulative {chunks:?}");
        }
        // A final replay of a text that proves it.
        if repeats::proves_for_tests(&text) {
            let mut replayed = words.clone();
            replayed.push(&text);
            assert_eq!(run(&[], &replayed).text(), expected, "replayed {replayed:?}");
        }
    }
}

#[test]
fn llama_stream_applies_stop_string_split_across_chunks() {
    let text = "alpha beta ###END### gamma";
    for (a, b) in splits(text) {
        let run = run(&["###END###"], &[a, b]);
        assert_eq!(run.text(), "alpha beta", "split {a:?} | {b:?}");
        assert!(run.done(), "split {a:?} | {b:?}");
        assert_eq!(run.stop_reason(), Some("stop_sequence"));
    }
}

#[test]
fn llama_stream_prints_text_as_it_arrives() {
    let mut decoder = MetaStream::new(&stops(&["STOP"]));
    let mut out = Vec::new();
    let feed = |d: &mut MetaStream, g: &str, out: &mut Vec<String>| {
        d.feed(&chunk(g), &mut |t| {
            out.push(t.to_owned());
            Ok(())
        })
        .unwrap()
    };
    feed(&mut decoder, "Hello", &mut out);
    assert_eq!(out, ["Hello"], "plain text is not held");
    feed(&mut decoder, " wor", &mut out);
    assert_eq!(out, ["Hello", " wor"]);
    feed(&mut decoder, "ld <|eo", &mut out);
    assert_eq!(out, ["Hello", " wor", "ld"], "only the possible marker and the space before it are held");
    feed(&mut decoder, "ps", &mut out);
    assert_eq!(out, ["Hello", " wor", "ld", " <|eops"], "a prefix that turns out to be text is printed");
    feed(&mut decoder, " ST", &mut out);
    feed(&mut decoder, "ONE", &mut out);
    assert_eq!(out.concat(), "Hello world <|eops STONE");
    assert_eq!(feed(&mut decoder, "\nuse", &mut out), Step::Continue);
    assert_eq!(out.concat(), "Hello world <|eops STONE");
    feed(&mut decoder, "ful", &mut out);
    assert_eq!(out.concat(), "Hello world <|eops STONE\nuseful");
}

#[test]
fn llama_stream_prints_held_prefix_when_the_stream_ends() {
    for (pieces, expected) in [
        (&["x <|eo"][..], "x <|eo"),
        (&["x\nus"], "x\nus"),
        (&["x\nuser\n"], "x\nuser"),
        (&["x ST"], "x ST"),
        (&["x <"], "x <"),
        (&["x <|eot_id|"], "x <|eot_id|"),
    ] {
        let run = run(&["STOP"], pieces);
        assert_eq!(run.text(), expected);
        assert!(!run.done());
        assert_eq!(run.stop_reason(), Some("end_turn"));
    }
}

#[test]
fn llama_stream_never_prints_other_special_tokens() {
    let text = "<|python_tag|>call(x)<|reserved_special_token_42|> done<|eom_id|>";
    for (a, b) in splits(text) {
        assert_eq!(run(&[], &[a, b]).text(), "call(x) done", "split {a:?} | {b:?}");
    }
}

#[test]
fn llama_stream_trims_whitespace_before_the_cut() {
    let run = run(&[], &["Answer.", " ", "\n\n", "  ", "<|eot_id|>"]);
    assert_eq!(run.deltas, ["Answer."]);
    let run2 = run_chunks(&[], &[chunk("Answer.\n"), last_chunk("\n", "stop")]);
    assert_eq!(run2.text(), "Answer.");
    // Whitespace inside the text is printed once the next visible text arrives.
    assert_eq!(run_chunks(&[], &[chunk("a \n"), chunk("\tb"), last_chunk("", "stop")]).text(), "a \n\tb");
}

#[test]
fn llama_stream_with_multibyte_text_around_markers() {
    let text = "Größe: 5 €\n\nuser\n\n日本語<|eot_id|>";
    for (a, b) in splits(text) {
        assert_eq!(run(&[], &[a, b]).text(), "Größe: 5 €", "split {a:?} | {b:?}");
    }
    let text = "日本語で「停止」と言う<|eot_id|>";
    for (a, b) in splits(text) {
        let run = run(&["停止"], &[a, b]);
        assert_eq!(run.text(), "日本語で「", "split {a:?} | {b:?}");
        assert_eq!(run.stop_reason(), Some("stop_sequence"));
    }
}

#[test]
fn llama_stream_matches_whole_body_decode_for_every_split() {
    let samples = [
        "Plain answer with no markers at all.",
        "Two\n\nparagraphs\n\nuser: not a header\n\nend",
        "Tool: <|python_tag|>{\"a\":1}<|eom_id|>",
        "a <|eo b <|eot_i c<|eot_id|>",
        "x\n\nsystem\n\nNew system prompt",
        "Stop here --- please",
        "Trailing   \n\n",
    ];
    for sample in samples {
        let whole = decode(sample, &["---"]).content;
        for (a, b) in splits(sample) {
            assert_eq!(run(&["---"], &[a, b]).text(), whole, "split {a:?} | {b:?}");
        }
        assert_eq!(run(&["---"], &chars(sample)).text(), whole, "char by char {sample:?}");
    }
}

#[test]
fn llama_filter_equals_decode_for_random_text_and_chunkings() {
    #[rustfmt::skip]
    const PARTS: [&str; 24] = [
        "word", " ", "\n", "\n\n", "user", "assistant:", "system", "<|", "<", "|>", "eot_id", "<|eot_id|>",
        "<|start_header_id|>", "<|python_tag|>", "<|eo", "t_id|>", "##", "#", "é", "日本", "\t", "users", ":", "x",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..5_000 {
        let text: String = (0..next(30)).map(|_| PARTS[next(PARTS.len())]).collect();
        let whole = decode(&text, &["###", "m<|p"]);
        let mut pieces = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let mut at = (1 + next(8)).min(rest.len());
            while !rest.is_char_boundary(at) {
                at += 1;
            }
            let (piece, tail) = rest.split_at(at);
            pieces.push(piece);
            rest = tail;
        }
        // The filter itself: random pieces may look cumulative to MetaStream ("\n" then "\n\n").
        let mut filter = TurnFilter::new(&stops(&["###", "m<|p"]));
        let mut streamed = String::new();
        let mut collect = |t: &str| {
            assert!(!t.is_empty());
            streamed.push_str(t);
            Ok(())
        };
        for piece in &pieces {
            filter.push(piece, &mut collect).unwrap();
        }
        filter.finish(&mut collect).unwrap();
        assert_eq!(streamed, whole.content, "text {text:?} pieces {pieces:?}");
        assert_eq!(stop_reason(filter.cut, Some("stop")), whole.stop_reason, "text {text:?}");
        for marker in ["<|eot_id|>", "<|start_header_id|>", "<|python_tag|>", "###", "m<|p", "\nuser\n\n"] {
            assert!(!whole.content.contains(marker), "{marker:?} printed for {text:?}");
        }
        assert_eq!(whole.content.trim_end(), whole.content);
    }
}

#[test]
fn llama_stream_empty_generations() {
    let run = run_chunks(&[], &[chunk(""), chunk("Hi"), chunk(""), chunk(""), last_chunk("", "stop")]);
    assert_eq!(run.deltas, ["Hi"]);
    assert!(run.deltas.iter().all(|d| !d.is_empty()), "no empty deltas");
    let run = run_chunks(&[], &[last_chunk("", "stop")]);
    assert!(run.deltas.is_empty());
    assert_eq!(run.stop_reason(), Some("end_turn"));
}

#[test]
fn llama_stream_final_chunk_with_only_metrics() {
    let chunks = [
        br#"{"generation":"Hi","prompt_token_count":9,"generation_token_count":1,"stop_reason":null}"#.to_vec(),
        br#"{"generation":"!","prompt_token_count":null,"generation_token_count":2,"stop_reason":"length"}"#.to_vec(),
        br#"{"amazon-bedrock-invocationMetrics":{"inputTokenCount":11,"outputTokenCount":3,
            "invocationLatency":100,"firstByteLatency":50}}"#
            .to_vec(),
    ];
    let run = run_chunks(&[], &chunks);
    assert_eq!(run.text(), "Hi!");
    assert_eq!(run.steps, [Step::Continue, Step::Continue, Step::Continue]);
    assert_eq!(
        run.end.unwrap(),
        StreamEnd {
            stop_reason: Some("max_tokens".into()),
            usage: Usage { input_tokens: 11, output_tokens: 3, estimated: false }
        }
    );
}

#[test]
fn llama_stream_usage_from_token_counts_without_metrics() {
    let chunks = [
        br#"{"generation":"a","prompt_token_count":42,"generation_token_count":1,"stop_reason":null}"#.to_vec(),
        br#"{"generation":"b","prompt_token_count":99,"generation_token_count":2,"stop_reason":null}"#.to_vec(),
        br#"{"generation":"c","prompt_token_count":null,"generation_token_count":3,"stop_reason":"stop"}"#.to_vec(),
    ];
    assert_eq!(
        run_chunks(&[], &chunks).end.unwrap().usage,
        Usage { input_tokens: 42, output_tokens: 3, estimated: false }
    );
}

#[test]
fn llama_stream_ignores_chunks_after_the_turn_ended() {
    let mut decoder = Meta.stream_decoder(&ChatRequest::default());
    let mut out = String::new();
    let mut sink = |t: &str| {
        out.push_str(t);
        Ok(())
    };
    assert_eq!(decoder.feed(&chunk("A.<|eot_id|>"), &mut sink).unwrap(), Step::Done);
    assert_eq!(decoder.feed(&chunk("user\n\nB"), &mut sink).unwrap(), Step::Done);
    decoder.finish(&mut sink).unwrap();
    assert_eq!(out, "A.");
}

#[test]
fn llama_stream_malformed_chunk_is_a_provider_error() {
    let mut decoder = Meta.stream_decoder(&ChatRequest::default());
    for c in [&b"{\"generation\":"[..], b"", b"\"text\"", b"{\"generation\": 5}"] {
        let err = decoder.feed(c, &mut |_| Ok(())).unwrap_err();
        assert_eq!(err.code(), "provider", "{err}");
    }
}

#[test]
fn llama_stream_ended_without_stop_reason_is_a_provider_error() {
    let run = run_chunks(&[], &[chunk("partial an")]);
    assert_eq!(run.text(), "partial an");
    assert_eq!(run.end.unwrap_err().exit_code(), 7);
}

#[test]
fn llama_stream_propagates_sink_errors() {
    let mut decoder = Meta.stream_decoder(&ChatRequest::default());
    let err = decoder.feed(&chunk("text"), &mut |_| Err(Error::BrokenPipe)).unwrap_err();
    assert!(matches!(err, Error::BrokenPipe));
}

#[test]
fn llama_stream_of_many_chunks_holds_little_and_loses_nothing() {
    let mut decoder = MetaStream::new(&stops(&["<END>"]));
    let pieces = ["Lorem", " ipsum", " <", "|", "dolor", "|>", " sit", "\n", "amet", ",\n\n", "user", "s", " x"];
    let mut expected = String::new();
    let mut printed = 0usize;
    let mut max_held = 0usize;
    for i in 0..100_000 {
        let piece = pieces[i % pieces.len()];
        expected.push_str(piece);
        let step = decoder
            .feed(&chunk(piece), &mut |t| {
                printed += t.len();
                Ok(())
            })
            .unwrap();
        assert_eq!(step, Step::Continue);
        max_held = max_held.max(decoder.filter.held.len());
    }
    decoder
        .feed(&last_chunk("", "stop"), &mut |t| {
            printed += t.len();
            Ok(())
        })
        .unwrap();
    decoder
        .finish(&mut |t| {
            printed += t.len();
            Ok(())
        })
        .unwrap();
    assert_eq!(printed, expected.trim_end().len());
    assert!(max_held <= 16, "held {max_held} bytes");
}

#[test]
fn llama_stream_caps_whitespace_held_back() {
    let mut decoder = MetaStream::new(&[]);
    let mut printed = 0usize;
    let mut count = |t: &str| {
        printed += t.len();
        Ok(())
    };
    decoder.feed(&chunk("x"), &mut count).unwrap();
    for _ in 0..10_000 {
        decoder.feed(&chunk("\n"), &mut count).unwrap();
        assert!(decoder.filter.held.len() <= MAX_HELD_WHITESPACE + 1);
    }
    assert!(printed >= 10_000 - MAX_HELD_WHITESPACE);
}
