use super::*;
use crate::domain::Lang;
use crate::domain::proposal::sample_proposal;

#[test]
fn smoke_print() {
    let s = builtin();
    assert_eq!(s.len(), 2);
    for st in s {
        assert!(st.validate().is_empty(), "{:?}", st.validate());
        let ev = evaluate(&sample_proposal(), st);
        println!("{}", serde_json::to_string_pretty(&ev.to_api_json()).unwrap());
    }
}
