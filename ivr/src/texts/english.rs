//! English (`en-GB`).

use ehealth_core::hong_kong_time::HongKongTime;

use super::Script;

fn when(at: HongKongTime) -> String {
    at.format("%-d %B %Y at %H:%M").to_string()
}

pub static SCRIPT: Script = Script {
    choose_me: "For English, press 2.",
    welcome: "Welcome to the eHealth voice line.",
    ask_ehr: "Please key in your 12-digit eHealth number. Or key in the six digits of your Hong Kong identity card number, without the letters and the digit in brackets, then press hash.",
    sdm_offer: "If you are calling for someone you act for as their substitute decision maker, press 2, then hash.",
    ask_sdm_id: "Please key in the six digits of your own Hong Kong identity card number, without the letters and the digit in brackets.",
    ask_patient_ehr: "Please key in the 12-digit eHealth number of the person you act for.",
    ask_dob: "Please key in your date of birth as day, month and four-digit year, eight digits in all.",
    ask_key: "Please key in your 8-digit access key. If you need a new access key, press 0, then hash.",
    code_sent: "If the details you gave match our records, we have sent a 6-digit code by SMS to your registered mobile number.",
    ask_code: "Please key in the 6-digit code.",
    not_understood: "Sorry, we did not receive a valid entry.",
    mismatch: "Sorry, the details you entered do not match our records.",
    locked_key: "For your security, your access key has been locked after too many wrong entries, and we have told you by your selected means. You can generate a new key in the eHealth app, or on this line with a code sent to your mobile.",
    locked_caller: "For your security, this line cannot be used from your number for a while after too many wrong entries. Please try again later.",
    throttled: "For your security, these details cannot be checked for a while after too many wrong entries. Please try again later.",
    menu: "To give or renew sharing consent for a healthcare provider, press 1. To revoke a sharing consent, press 2. To generate a new access key, press 3. To hear the latest accesses to your record, press 4. To speak to an operator, press 0. To end the call, press 9. To hear this menu again, press star.",
    ask_provider: "Please key in the 9-digit healthcare provider ID.",
    unknown_provider: "Sorry, we cannot find a provider with that ID that can receive sharing consent.",
    provider_readback: "You entered {digits}: {provider}.",
    ask_type: "For consent for one year, press 1. For consent until you revoke it, press 2. To key in another provider, press 3.",
    confirm_give: "You are giving {type} sharing consent to {provider}. To confirm, press 1. To cancel, press 2.",
    one_year: "one-year",
    indefinite: "indefinite",
    given: "Done. Your sharing consent is recorded, and a confirmation will be sent to you.",
    no_consent: "You have no sharing consent for {provider} to revoke.",
    confirm_revoke: "You are revoking your sharing consent for {provider}. It ends at once. To confirm, press 1. To cancel, press 2.",
    revoked: "Done. Your sharing consent is revoked, and a confirmation will be sent to you.",
    confirm_new_key: "A new access key will replace your current one at once, and will be sent to you by your selected means. To confirm, press 1. To cancel, press 2.",
    key_sent: "Done. Your new access key is on its way to you.",
    cancelled: "Cancelled. Nothing was changed.",
    no_accesses: "There is no record of any access to your eHealth record.",
    accesses_intro: "The latest accesses to your record:",
    access_line: "{when}, {provider}.",
    operator: "Please hold while we connect you to an operator.",
    no_operator: "Sorry, no operator is available at the moment.",
    apology: "Sorry, something went wrong on our side.",
    busy: "Sorry, the line is very busy at the moment. Please call again in a few minutes.",
    goodbye: "Thank you for calling eHealth. Goodbye.",
    too_many_tries: "Sorry, we did not receive a valid entry. Please call again later. Goodbye.",
    when,
};
