//! Cantonese (stored as `zh-HK`; spoken by the configured Cantonese voice), in
//! Traditional Chinese.

use ehealth_core::hong_kong_time::HongKongTime;

use super::Script;

fn when(at: HongKongTime) -> String {
    at.format("%Y年%-m月%-d日%-H時%M分").to_string()
}

pub static SCRIPT: Script = Script {
    choose_me: "廣東話請按1。",
    welcome: "歡迎致電醫健通電話服務。",
    ask_ehr: "請輸入閣下十二位數字的醫健通號碼；或輸入香港身份證號碼的六位數字，不包括英文字母及括號內的數字，然後按井字鍵。",
    sdm_offer: "如閣下是代決人，為閣下所代表的人士致電，請按二字，然後按井字鍵。",
    ask_sdm_id: "請輸入閣下本人香港身份證號碼的六位數字，不包括英文字母及括號內的數字。",
    ask_patient_ehr: "請輸入閣下所代表人士十二位數字的醫健通號碼。",
    ask_dob: "請以日、月、四位數年份輸入閣下的出生日期，共八位數字。",
    ask_key: "請輸入閣下八位數字的存取鑰匙。如需要新的存取鑰匙，請按0，然後按井字鍵。",
    code_sent: "如閣下提供的資料與紀錄相符，我們已透過短訊把六位數字的驗證碼發送到閣下登記的手提電話號碼。",
    ask_code: "請輸入六位數字的驗證碼。",
    not_understood: "對不起，我們未能接收有效的輸入。",
    mismatch: "對不起，閣下輸入的資料與我們的紀錄不符。",
    locked_key: "為保障閣下的安全，存取鑰匙因多次輸入錯誤已被鎖定，我們已按閣下選擇的方式通知閣下。閣下可以在醫健通應用程式，或在本熱線以手提電話收到的驗證碼，產生新的存取鑰匙。",
    locked_caller: "為保障安全，由於多次輸入錯誤，閣下的電話號碼暫時未能使用本熱線，請稍後再試。",
    throttled: "為保障閣下安全，由於錯誤輸入次數過多，暫時未能核對這些資料。請稍後再試。",
    menu: "如要給予或續期醫護提供者的互通同意，請按1。如要撤銷互通同意，請按2。如要產生新的存取鑰匙，請按3。如要收聽最近查閱閣下紀錄的資料，請按4。如要與接線生通話，請按0。如要結束通話，請按9。如要重聽此選單，請按星號鍵。",
    ask_provider: "請輸入九位數字的醫護提供者編號。",
    unknown_provider: "對不起，我們找不到編號相符而可接受互通同意的醫護提供者。",
    provider_readback: "閣下輸入的編號是{digits}：{provider}。",
    ask_type: "如給予一年期的互通同意，請按1。如給予無限期的互通同意，直至閣下撤銷，請按2。如要輸入另一個醫護提供者，請按3。",
    confirm_give: "閣下將給予{provider}{type}互通同意。確認請按1，取消請按2。",
    one_year: "一年期",
    indefinite: "無限期",
    given: "已完成。閣下的互通同意已經記錄，我們會向閣下發出確認。",
    no_consent: "閣下沒有給予{provider}可撤銷的互通同意。",
    confirm_revoke: "閣下將撤銷給予{provider}的互通同意，撤銷即時生效。確認請按1，取消請按2。",
    revoked: "已完成。閣下的互通同意已經撤銷，我們會向閣下發出確認。",
    confirm_new_key: "新的存取鑰匙會即時取代現有的鑰匙，並按閣下選擇的方式發送給閣下。確認請按1，取消請按2。",
    key_sent: "已完成。新的存取鑰匙正發送給閣下。",
    cancelled: "已取消，沒有作出任何更改。",
    no_accesses: "閣下的醫健通紀錄沒有被查閱的紀錄。",
    accesses_intro: "最近查閱閣下紀錄的資料如下：",
    access_line: "{when}，{provider}。",
    operator: "請稍候，我們正為閣下接駁接線生。",
    no_operator: "對不起，現時沒有接線生可以接聽。",
    apology: "對不起，我們的系統出現問題。",
    busy: "對不起，現時線路非常繁忙，請於數分鐘後再致電。",
    goodbye: "多謝致電醫健通，再見。",
    too_many_tries: "對不起，我們未能接收有效的輸入，請稍後再致電。再見。",
    when,
};
