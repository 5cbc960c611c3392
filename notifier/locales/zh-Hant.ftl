# 致病人的訊息（繁體中文）。不含臨床資料：只有誰、何時及熱線。
brand = 醫健通
footer = 時間：{ $when }。查詢請致電醫健通熱線 { $hotline }。
subject-registration_completed = 閣下已登記參加醫健通
subject-consent_given = 已給予互通同意
subject-consent_revoked = 互通同意已撤銷
subject-consent_expiring = 互通同意即將屆滿
subject-access_key_issued = 閣下的新存取鑰匙
subject-access_key_locked = 存取鑰匙已被鎖定
subject-code_locked = 驗證碼已被鎖定
subject-approval_requested = 醫護提供者請求閣下批准
subject-record_accessed = 閣下的醫健通紀錄曾被查閱
subject-withdrawal = 閣下已退出醫健通
subject-verification_code = 閣下的驗證碼
registration_completed = 閣下已登記參加醫健通，電子健康紀錄號碼為 { $ehr_number }。
consent_given = 閣下已給予{ $provider }互通同意。
consent_revoked = 閣下給予{ $provider }的互通同意已撤銷。
consent_expiring = 閣下給予{ $provider }的一年互通同意將於{ $expires_on }屆滿。如欲繼續互通，請在應用程式、電話熱線或醫護提供者櫃檯續期。
access_key_issued = 閣下的新醫健通存取鑰匙為 { $access_key }，請妥為保管；舊鑰匙已失效。
access_key_issued-push = 閣下的新醫健通存取鑰匙已經發出，並以閣下選擇的方式送達；舊鑰匙已失效。如非閣下本人所為，請致電熱線。
access_key_locked = 閣下的存取鑰匙因多次輸入錯誤已被鎖定，請在應用程式或電話熱線產生新鑰匙。
code_locked = 發送給閣下的醫健通驗證碼被多次輸入錯誤，已經失效。如非閣下本人所為，請致電熱線。
approval_requested = { $provider }請求閣下批准查閱閣下醫健通紀錄中受限制的資料。請開啟醫健通應用程式批准或拒絕；請求將於24小時後失效。
record_accessed = { $folded ->
    [no] { $provider }已查閱閣下的醫健通紀錄。
   *[yes] { $provider }已查閱閣下的醫健通紀錄{ $count }次，時間為：{ $times }。
}
withdrawal = 閣下已退出醫健通，所有互通同意已終止。
verification_code = 閣下的醫健通驗證碼為 { $code }，切勿向他人透露。
subject-applied_while_registered = 閣下已登記醫健通
applied_while_registered = 有人以閣下的身份證明文件申請登記醫健通，但閣下已經登記：請以醫健通號碼或身份證明文件登入應用程式。如非閣下本人所為，請致電熱線。
# 由醫護人員按已簽署的同意書或智能身份證記錄時，附加於 consent_given。
consent_given-not-you = 此同意由櫃位按閣下已簽署的同意書或智能身份證記錄。如非閣下本人所為，請即在應用程式或電話語音服務撤銷，並致電熱線。
verification_code-push = 醫健通驗證碼已經以閣下選擇的方式送達，切勿向他人透露。
# 致醫護提供者及申請人（第16項）：用戶管理人以電郵，提供者地址以信件。
subject-provider_status_scheduled = 貴機構醫健通狀況的變更
subject-provider_status_changed = 貴機構的醫健通狀況已變更
subject-provider_document_expiring = 證明文件即將到期
subject-professional_registration_expiring = 專業註冊即將到期
subject-provider_application_received = 參加醫健通的申請
subject-provider_application_more_requested = 參加醫健通的申請：須補交資料
subject-provider_application_approved = 參加醫健通的申請已獲批准
subject-provider_application_refused = 參加醫健通的申請不獲批准
provider_status_scheduled = { $transition ->
    [suspend] { $provider }將於{ $effective_on }被暫停參與醫健通
    [reinstate] { $provider }將於{ $effective_on }恢復參與醫健通
    [cancel] { $provider }的醫健通登記將於{ $effective_on }被取消
   *[withdraw] { $provider }將按其要求於{ $effective_on }退出醫健通
}。原因：{ $reason }。
provider_status_changed = { $transition ->
    [suspend] { $provider }自{ $effective_on }起被暫停參與醫健通
    [reinstate] { $provider }自{ $effective_on }起恢復參與醫健通
    [cancel] { $provider }的醫健通登記自{ $effective_on }起被取消
   *[withdraw] { $provider }已按其要求自{ $effective_on }起退出醫健通
}。原因：{ $reason }。
provider_document_expiring = { $provider }的{ $document }（編號 { $document_number }）將於{ $expires_on }到期。請於到期前把續期文件送交電子健康紀錄登記處；到期翌日起，提供者將被暫停參與醫健通。
professional_registration_expiring = { $provider }的{ $professional }的專業註冊 { $registration_number } 將於{ $expires_on }到期。請於到期前在醫健通記錄續期；到期翌日起，該帳戶不能查閱紀錄。
provider_application_received = 電子健康紀錄登記處已收到{ $provider }參加醫健通的申請，參考編號 { $reference }。{ $has_code ->
    [yes] 如登記處要求補交文件，請提供此參考編號及代碼 { $code }。
   *[no] 登記處審核後會通知閣下。
}
provider_application_more_requested = 電子健康紀錄登記處須就{ $provider }的申請（參考編號 { $reference }）補交資料：{ $reason }。請以參考編號及所收到的代碼補交文件，或把文件送交登記處。
provider_application_approved = { $provider }的申請（參考編號 { $reference }）已獲批准，其醫健通醫護提供者編號為 { $provider_id }。{ $has_code ->
    [yes] 請於{ $expires_on }前以代碼 { $code } 啟動閣下的用戶管理人帳戶 { $username }：設定密碼並登記驗證器。
   *[no] 已通知其用戶管理人 { $username } 如何啟動帳戶。
}
provider_application_refused = { $provider }參加醫健通的申請（參考編號 { $reference }）不獲批准。原因：{ $reason }。
# 代決人（issue 14）。
subject-sdm_linked = 代決人現代表閣下
sdm_linked = { $sdm_name }現為閣下在醫健通的代決人，可代表閣下給予或撤回互通同意及管理閣下的記錄。如閣下對此並不知情，請致電熱線。
subject-sdm_acts_for = 閣下現代表{ $patient_name }
sdm_acts_for = 閣下現可在醫健通應用程式代表{ $patient_name }（醫健通號碼 { $ehr_number }）：請以閣下本人的身份證明文件登入並選擇該人士。
subject-sdm_link_ended = 代決人安排已結束
sdm_link_ended = { $sdm_name }已不再在醫健通代表{ $patient_name }。已給予的互通同意維持有效，直至更改或撤回。
subject-came_of_age = 閣下現自行管理醫健通記錄
came_of_age = 閣下已年滿16歲，現自行管理閣下的醫健通記錄（醫健通號碼 { $ehr_number }），不再有人代表閣下。請以醫健通號碼及出生日期登入醫健通應用程式（驗證碼會發送至已登記的手機），或前往醫護提供者的登記處登記閣下本人的手機號碼。已給予的互通同意維持有效，直至閣下更改。
acted-by-sdm = 此事由閣下的代決人{ $acted_by_sdm }辦理。
