//! Putonghua (`cmn-CN`), in Simplified Chinese.

use ehealth_core::hong_kong_time::HongKongTime;

use super::Script;

fn when(at: HongKongTime) -> String {
    at.format("%Y年%-m月%-d日%-H点%M分").to_string()
}

pub static SCRIPT: Script = Script {
    choose_me: "普通话请按3。",
    welcome: "欢迎致电医健通电话服务。",
    ask_ehr: "请输入您十二位数字的医健通号码；或输入香港身份证号码的六位数字，不包括英文字母及括号内的数字，然后按井号键。",
    sdm_offer: "如您是代决人，为您所代表的人士来电，请按二，然后按井号键。",
    ask_sdm_id: "请输入您本人香港身份证号码的六位数字，不包括英文字母及括号内的数字。",
    ask_patient_ehr: "请输入您所代表人士十二位数字的医健通号码。",
    ask_dob: "请按日、月、四位数年份输入您的出生日期，共八位数字。",
    ask_key: "请输入您八位数字的存取钥匙。如需要新的存取钥匙，请按0，然后按井号键。",
    code_sent: "如您提供的资料与记录相符，我们已通过短信把六位数字的验证码发送到您登记的手机号码。",
    ask_code: "请输入六位数字的验证码。",
    not_understood: "对不起，我们未能接收有效的输入。",
    mismatch: "对不起，您输入的资料与我们的记录不符。",
    locked_key: "为保障您的安全，存取钥匙因多次输入错误已被锁定，我们已按您选择的方式通知您。您可以在医健通应用程序，或在本热线用手机收到的验证码，产生新的存取钥匙。",
    locked_caller: "为保障安全，由于多次输入错误，您的电话号码暂时无法使用本热线，请稍后再试。",
    throttled: "为保障您的安全，由于错误输入次数过多，暂时无法核对这些资料。请稍后再试。",
    menu: "如要给予或续期医护提供者的互通同意，请按1。如要撤销互通同意，请按2。如要产生新的存取钥匙，请按3。如要收听最近查阅您记录的信息，请按4。如要与接线员通话，请按0。如要结束通话，请按9。如要重听此菜单，请按星号键。",
    ask_provider: "请输入九位数字的医护提供者编号。",
    unknown_provider: "对不起，我们找不到编号相符而可接受互通同意的医护提供者。",
    provider_readback: "您输入的编号是{digits}：{provider}。",
    ask_type: "如给予一年期的互通同意，请按1。如给予无限期的互通同意，直至您撤销，请按2。如要输入另一个医护提供者，请按3。",
    confirm_give: "您将给予{provider}{type}互通同意。确认请按1，取消请按2。",
    one_year: "一年期",
    indefinite: "无限期",
    given: "已完成。您的互通同意已经记录，我们会向您发出确认。",
    no_consent: "您没有给予{provider}可撤销的互通同意。",
    confirm_revoke: "您将撤销给予{provider}的互通同意，撤销立即生效。确认请按1，取消请按2。",
    revoked: "已完成。您的互通同意已经撤销，我们会向您发出确认。",
    confirm_new_key: "新的存取钥匙会立即取代现有的钥匙，并按您选择的方式发送给您。确认请按1，取消请按2。",
    key_sent: "已完成。新的存取钥匙正发送给您。",
    cancelled: "已取消，没有作出任何更改。",
    no_accesses: "您的医健通记录没有被查阅的记录。",
    accesses_intro: "最近查阅您记录的信息如下：",
    access_line: "{when}，{provider}。",
    operator: "请稍候，我们正为您接通接线员。",
    no_operator: "对不起，现在没有接线员可以接听。",
    apology: "对不起，我们的系统出现问题。",
    busy: "对不起，现在线路非常繁忙，请几分钟后再致电。",
    goodbye: "谢谢致电医健通，再见。",
    too_many_tries: "对不起，我们未能接收有效的输入，请稍后再致电。再见。",
    when,
};
