# Messages to patients, in English. No clinical detail: who, when, and the hotline.
brand = eHealth
footer = Time: { $when }. Enquiries: eHealth hotline { $hotline }.
subject-registration_completed = You have joined eHealth
subject-consent_given = Sharing consent given
subject-consent_revoked = Sharing consent revoked
subject-consent_expiring = Sharing consent expiring soon
subject-access_key_issued = Your new access key
subject-access_key_locked = Access key locked
subject-code_locked = Verification code locked
subject-approval_requested = A provider asks for your approval
subject-record_accessed = Your eHealth record was accessed
subject-withdrawal = You have withdrawn from eHealth
subject-verification_code = Your verification code
registration_completed = You have joined eHealth. Your eHR number is { $ehr_number }.
consent_given = You gave sharing consent to { $provider }.
consent_revoked = Your sharing consent to { $provider } has been revoked.
consent_expiring = Your one-year sharing consent to { $provider } expires on { $expires_on }. To keep sharing, renew it in the app, on the voice line or at the provider's counter.
access_key_issued = Your new eHealth access key is { $access_key }. Keep it secret; the old key no longer works.
access_key_issued-push = A new eHealth access key was issued and sent to you by the means you chose. The old key no longer works. If this was not you, please call the hotline.
access_key_locked = Your access key was locked after too many wrong tries. Generate a new one in the app or on the voice line.
code_locked = An eHealth verification code sent to you was typed wrongly too many times and no longer works. If this was not you, please call the hotline.
approval_requested = { $provider } asks for your approval to see restricted data in your eHealth record. Open the eHealth app to approve or refuse; the request lapses after 24 hours.
record_accessed = { $folded ->
    [no] Your eHealth record was accessed by { $provider }.
   *[yes] Your eHealth record was accessed { $count } times by { $provider }, at: { $times }.
}
withdrawal = You have withdrawn from eHealth. All sharing consents have ended.
verification_code = Your eHealth verification code is { $code }. Do not share it.
subject-applied_while_registered = An application with your identity document
applied_while_registered = Someone applied to join eHealth with your identity document, but you are registered already: sign in to the app with your eHR number or identity document. If this was not you, please call the hotline.
# Added to consent_given when a professional recorded it from a signed form or a card read.
consent_given-not-you = It was recorded at the counter from your signed consent form or smart identity card. If this was not you, revoke it at once in the app or on the voice line, and call the hotline.
verification_code-push = An eHealth verification code was sent to you by the means you chose. Do not share it.
# To providers and applicants (issue 16): the user administrators by email, the provider's address by letter.
subject-provider_status_scheduled = A change of your provider's eHealth status
subject-provider_status_changed = Your provider's eHealth status has changed
subject-provider_document_expiring = A supporting document is about to expire
subject-professional_registration_expiring = A professional registration is about to expire
subject-provider_application_received = Your application to join eHealth
subject-provider_application_more_requested = Your application to join eHealth: more is needed
subject-provider_application_approved = Your application to join eHealth is approved
subject-provider_application_refused = Your application to join eHealth is refused
provider_status_scheduled = { $transition ->
    [suspend] { $provider } will be suspended from eHealth
    [reinstate] { $provider } will be reinstated in eHealth
    [cancel] { $provider }'s registration with eHealth will be cancelled
   *[withdraw] { $provider } will be withdrawn from eHealth, as it requested,
} on { $effective_on }. Reason: { $reason }.
provider_status_changed = { $transition ->
    [suspend] { $provider } is suspended from eHealth
    [reinstate] { $provider } is reinstated in eHealth
    [cancel] { $provider }'s registration with eHealth is cancelled
   *[withdraw] { $provider } is withdrawn from eHealth, as it requested,
} with effect from { $effective_on }. Reason: { $reason }.
provider_document_expiring = The { $document } (no. { $document_number }) of { $provider } expires on { $expires_on }. Send the renewed document to the eHR Registration Office before then: on the day after, the provider is suspended from eHealth.
professional_registration_expiring = The professional registration { $registration_number } of { $professional } at { $provider } expires on { $expires_on }. Record its renewal in eHealth before then: from the day after, the account cannot view records.
provider_application_received = The eHR Registration Office has received the application of { $provider } to join eHealth, reference { $reference }. { $has_code ->
    [yes] To add documents when the Office asks for them, give this reference and the code { $code }.
   *[no] The Office will write to you when it has reviewed it.
}
provider_application_more_requested = The eHR Registration Office needs more for the application of { $provider } (reference { $reference }): { $reason }. Add the documents with your reference and the code you were sent, or send them to the Office.
provider_application_approved = The application of { $provider } (reference { $reference }) is approved: its eHealth provider id is { $provider_id }. { $has_code ->
    [yes] Activate your user administrator account { $username } before { $expires_on } with the code { $code }: choose your password and enrol your authenticator.
   *[no] Its user administrator { $username } has been sent how to activate their account.
}
provider_application_refused = The application of { $provider } (reference { $reference }) to join eHealth is refused. Reason: { $reason }.
# Substitute decision makers (issue 14).
subject-sdm_linked = A substitute decision maker acts for you
sdm_linked = { $sdm_name } is now your substitute decision maker in eHealth and can give or revoke sharing consent and manage your record on your behalf. If you did not expect this, please call the hotline.
subject-sdm_acts_for = You now act for { $patient_name }
sdm_acts_for = You can now act for { $patient_name } (eHR number { $ehr_number }) in the eHealth app: sign in with your own identity document and choose them.
subject-sdm_link_ended = Substitute decision maker arrangement ended
sdm_link_ended = { $sdm_name } no longer acts for { $patient_name } in eHealth. Sharing consents already given stay in force until they are changed or revoked.
subject-came_of_age = You now manage your own eHealth record
came_of_age = You are now 16 and manage your own eHealth record (eHR number { $ehr_number }); no one acts for you any more. Sign in to the eHealth app with your eHR number and date of birth (a code goes to your registered mobile), or visit a provider's counter to give your own mobile. Sharing consents already given stay in force until you change them.
# Added to a message about an act when a substitute decision maker did it.
acted-by-sdm = This was done by { $acted_by_sdm }, your substitute decision maker.
