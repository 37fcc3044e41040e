//! `system/cache.json`, and the catalogue fields of wave 2's modalities: image sizes, prices per image and size,
//! input types.

use super::*;

#[test]
fn the_cache_is_off_by_default_and_system_cache_json_sets_it() {
    let reg = Fixture::new().load().unwrap();
    assert_eq!(reg.system().cache, crate::config::CacheSettings::default());
    assert!(!reg.system().cache.enabled);
    let reg = Fixture::new()
        .set("system/cache.json", r#"{"enabled": true, "ttl": "12h", "maxBytes": 1048576}"#)
        .load()
        .unwrap();
    let cache = &reg.system().cache;
    assert_eq!((cache.enabled, cache.ttl.as_secs(), cache.max_bytes), (true, 12 * 3600, 1 << 20));
}

#[test]
fn error_bad_cache_settings_name_the_field() {
    for (body, field) in [
        (r#"{"ttl": "soon"}"#, "ttl"),
        (r#"{"ttl": "0s"}"#, "ttl"),
        (r#"{"maxBytes": 0}"#, "maxBytes"),
        (r#"{"maxBytes": -1}"#, "maxBytes"),
        (r#"{"enable": true}"#, "enable"),
    ] {
        let (file, location, message) = Fixture::new().set("system/cache.json", body).error();
        assert_eq!(file, "system/cache.json", "{body}");
        assert!(location.contains(field) || message.contains(field), "{body}: {location} {message}");
    }
}

#[test]
fn image_prices_by_size_and_input_types_are_read_and_checked() {
    let priced = model(
        "img",
        "READY",
        r#""capabilities": {"imageSizes": ["1024x1024", "2048x2048"], "inputTypes": ["text", "image"]},
           "pricing": {"perImage": 0.04, "perImageBySize": {"2048x2048": 0.06}}"#,
    );
    let reg = Fixture::new().set("providers/p/models.json", &models_json(&[("v", &[priced])])).load().unwrap();
    let m = reg.lookup("img", None).unwrap();
    let p = m.pricing.as_ref().unwrap();
    assert_eq!((p.image(1024, 1024), p.image(2048, 2048)), (Some(0.04), Some(0.06)));
    assert_eq!((m.image_sizes.len(), m.input_types.as_slice()), (2, &["text".to_string(), "image".to_string()][..]));
    for (extra, field) in [
        (r#""pricing": {"perImageBySize": {"big": 0.1}}"#, "perImageBySize"),
        (r#""pricing": {"perImageBySize": {"512x512": -1}}"#, "perImageBySize.512x512"),
        (r#""capabilities": {"imageSizes": ["huge"]}"#, "imageSizes[0]"),
        (r#""capabilities": {"inputTypes": ["audio"]}"#, "inputTypes[0]"),
    ] {
        let (_, location, message) = Fixture::new()
            .set("providers/p/models.json", &models_json(&[("v", &[model("x", "READY", extra)])]))
            .error();
        assert!(location.contains(field), "{extra}: {location}: {message}");
    }
}
