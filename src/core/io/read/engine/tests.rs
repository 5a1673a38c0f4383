use super::*;

#[test]
fn utf16_without_its_mark_is_named() {
    let le: Vec<u8> = "id,date\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let be: Vec<u8> = "id,date\n"
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    assert!(utf16_without_mark(&le)
        .unwrap()
        .ends_with("encoding=\"utf-16-le\""));
    assert!(utf16_without_mark(&be)
        .unwrap()
        .ends_with("encoding=\"utf-16-be\""));
    assert_eq!(utf16_without_mark(b"id,date\n"), None);
}
