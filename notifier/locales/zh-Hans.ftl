# 致病人的讯息（简体中文）。不含临床资料：只有谁、何时及热线。
brand = 医健通
footer = 时间：{ $when }。查询请致电医健通热线 { $hotline }。
subject-registration_completed = 阁下已登记参加医健通
subject-consent_given = 已给予互通同意
subject-consent_revoked = 互通同意已撤销
subject-consent_expiring = 互通同意即将届满
subject-access_key_issued = 阁下的新存取钥匙
subject-access_key_locked = 存取钥匙已被锁定
subject-code_locked = 验证码已被锁定
subject-approval_requested = 医护提供者请求阁下批准
subject-record_accessed = 阁下的医健通记录曾被查阅
subject-withdrawal = 阁下已退出医健通
subject-verification_code = 阁下的验证码
registration_completed = 阁下已登记参加医健通，电子健康记录号码为 { $ehr_number }。
consent_given = 阁下已给予{ $provider }互通同意。
consent_revoked = 阁下给予{ $provider }的互通同意已撤销。
consent_expiring = 阁下给予{ $provider }的一年互通同意将于{ $expires_on }届满。如欲继续互通，请在应用程序、电话热线或医护提供者柜台续期。
access_key_issued = 阁下的新医健通存取钥匙为 { $access_key }，请妥为保管；旧钥匙已失效。
access_key_issued-push = 阁下的新医健通存取钥匙已经发出，并以阁下选择的方式送达；旧钥匙已失效。如非阁下本人所为，请致电热线。
access_key_locked = 阁下的存取钥匙因多次输入错误已被锁定，请在应用程序或电话热线产生新钥匙。
code_locked = 发送给阁下的医健通验证码被多次输入错误，已经失效。如非阁下本人所为，请致电热线。
approval_requested = { $provider }请求阁下批准查阅阁下医健通纪录中受限制的资料。请开启医健通应用程序批准或拒绝；请求将于24小时后失效。
record_accessed = { $folded ->
    [no] { $provider }已查阅阁下的医健通记录。
   *[yes] { $provider }已查阅阁下的医健通记录{ $count }次，时间为：{ $times }。
}
withdrawal = 阁下已退出医健通，所有互通同意已终止。
verification_code = 阁下的医健通验证码为 { $code }，切勿向他人透露。
subject-applied_while_registered = 阁下已登记医健通
applied_while_registered = 有人以阁下的身份证明文件申请登记医健通，但阁下已经登记：请以医健通号码或身份证明文件登录应用程序。如非阁下本人所为，请致电热线。
# 由医护人员按已签署的同意书或智能身份证记录时，附加于 consent_given。
consent_given-not-you = 此同意由柜位按阁下已签署的同意书或智能身份证记录。如非阁下本人所为，请立即在应用程序或电话语音服务撤销，并致电热线。
verification_code-push = 医健通验证码已经以阁下选择的方式送达，切勿向他人透露。
# 致医护提供者及申请人（第16项）：用户管理人以电邮，提供者地址以信件。
subject-provider_status_scheduled = 贵机构医健通状况的变更
subject-provider_status_changed = 贵机构的医健通状况已变更
subject-provider_document_expiring = 证明文件即将到期
subject-professional_registration_expiring = 专业注册即将到期
subject-provider_application_received = 参加医健通的申请
subject-provider_application_more_requested = 参加医健通的申请：须补交资料
subject-provider_application_approved = 参加医健通的申请已获批准
subject-provider_application_refused = 参加医健通的申请不获批准
provider_status_scheduled = { $transition ->
    [suspend] { $provider }将于{ $effective_on }被暂停参与医健通
    [reinstate] { $provider }将于{ $effective_on }恢复参与医健通
    [cancel] { $provider }的医健通登记将于{ $effective_on }被取消
   *[withdraw] { $provider }将按其要求于{ $effective_on }退出医健通
}。原因：{ $reason }。
provider_status_changed = { $transition ->
    [suspend] { $provider }自{ $effective_on }起被暂停参与医健通
    [reinstate] { $provider }自{ $effective_on }起恢复参与医健通
    [cancel] { $provider }的医健通登记自{ $effective_on }起被取消
   *[withdraw] { $provider }已按其要求自{ $effective_on }起退出医健通
}。原因：{ $reason }。
provider_document_expiring = { $provider }的{ $document }（编号 { $document_number }）将于{ $expires_on }到期。请于到期前把续期文件送交电子健康纪录登记处；到期翌日起，提供者将被暂停参与医健通。
professional_registration_expiring = { $provider }的{ $professional }的专业注册 { $registration_number } 将于{ $expires_on }到期。请于到期前在医健通记录续期；到期翌日起，该帐户不能查阅纪录。
provider_application_received = 电子健康纪录登记处已收到{ $provider }参加医健通的申请，参考编号 { $reference }。{ $has_code ->
    [yes] 如登记处要求补交文件，请提供此参考编号及代码 { $code }。
   *[no] 登记处审核后会通知阁下。
}
provider_application_more_requested = 电子健康纪录登记处须就{ $provider }的申请（参考编号 { $reference }）补交资料：{ $reason }。请以参考编号及所收到的代码补交文件，或把文件送交登记处。
provider_application_approved = { $provider }的申请（参考编号 { $reference }）已获批准，其医健通医护提供者编号为 { $provider_id }。{ $has_code ->
    [yes] 请于{ $expires_on }前以代码 { $code } 启动阁下的用户管理人帐户 { $username }：设定密码并登记验证器。
   *[no] 已通知其用户管理人 { $username } 如何启动帐户。
}
provider_application_refused = { $provider }参加医健通的申请（参考编号 { $reference }）不获批准。原因：{ $reason }。
# 代决人（issue 14）。
subject-sdm_linked = 代决人现代表阁下
sdm_linked = { $sdm_name }现为阁下在医健通的代决人，可代表阁下给予或撤回互通同意及管理阁下的记录。如阁下对此并不知情，请致电热线。
subject-sdm_acts_for = 阁下现代表{ $patient_name }
sdm_acts_for = 阁下现可在医健通应用程序代表{ $patient_name }（医健通号码 { $ehr_number }）：请以阁下本人的身份证明文件登录并选择该人士。
subject-sdm_link_ended = 代决人安排已结束
sdm_link_ended = { $sdm_name }已不再在医健通代表{ $patient_name }。已给予的互通同意维持有效，直至更改或撤回。
subject-came_of_age = 阁下现自行管理医健通记录
came_of_age = 阁下已年满16岁，现自行管理阁下的医健通记录（医健通号码 { $ehr_number }），不再有人代表阁下。请以医健通号码及出生日期登录医健通应用程序（验证码会发送至已登记的手机），或前往医护提供者的登记处登记阁下本人的手机号码。已给予的互通同意维持有效，直至阁下更改。
acted-by-sdm = 此事由阁下的代决人{ $acted_by_sdm }办理。
