<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP" sourcelanguage="en">
<context>
    <name>BacklogView</name>
    <message>
        <source>Reader</source>
        <translation>読影医</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未完了</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>読影中</translation>
    </message>
    <message>
        <source>STAT</source>
        <translation>至急</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>期限超過</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>期限間近</translation>
    </message>
    <message>
        <source>Backlog per reader</source>
        <translation>読影医別の未処理件数</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Asking the centre…</source>
        <translation>読影センターに問い合わせています…</translation>
    </message>
    <message>
        <source>The backlog could not be read: %1</source>
        <translation>未処理件数を取得できませんでした: %1</translation>
    </message>
    <message>
        <source>%1 open studies, %2 overdue</source>
        <translation>未完了 %1件、うち期限超過 %2件</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Axial</source>
        <translation>横断</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>冠状断</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>矢状断</translation>
    </message>
    <message>
        <source>MIP</source>
        <translation>MIP</translation>
    </message>
    <message>
        <source>MinIP</source>
        <translation>MinIP</translation>
    </message>
    <message>
        <source>Average</source>
        <translation>平均値投影</translation>
    </message>
    <message>
        <source>W {width:.0f} L {center:.0f}</source>
        <translation>W {width:.0f} L {center:.0f}</translation>
    </message>
    <message>
        <source>W {width:.0f} L {center:.0f} ({name})</source>
        <translation>W {width:.0f} L {center:.0f}（{name}）</translation>
    </message>
    <message>
        <source>{plane} {index}/{count}</source>
        <translation>{plane} {index}/{count}</translation>
    </message>
    <message>
        <source>Oblique {plane}</source>
        <translation>斜位 {plane}</translation>
    </message>
    <message>
        <source>{axis} {mm:.1f} mm  zoom {zoom:.2f}</source>
        <translation>{axis} {mm:.1f} mm  拡大率 {zoom:.2f}</translation>
    </message>
    <message>
        <source>{mode} slab {mm:.1f} mm</source>
        <translation>{mode} スラブ厚 {mm:.1f} mm</translation>
    </message>
    <message>
        <source>Name read as {0}: the file&apos;s character set is wrong</source>
        <translation>氏名を {0} として読み取りました（ファイルの文字コード指定が誤っています）</translation>
    </message>
    <message>
        <source>UIDs blanked: series grouped by number, time and kernel</source>
        <translation>UIDが空欄のため、シリーズ番号・撮影時刻・再構成関数でシリーズを分けました</translation>
    </message>
</context>
<context>
    <name>CentreViews</name>
    <message>
        <source>This centre keeps no statistics (no DICOMweb).</source>
        <translation>この読影センターでは統計を利用できません（DICOMweb非対応）。</translation>
    </message>
</context>
<context>
    <name>ComparisonView</name>
    <message>
        <source>Current {0}</source>
        <translation>今回 {0}</translation>
    </message>
    <message>
        <source>Prior {0}</source>
        <translation>前回 {0}</translation>
    </message>
    <message>
        <source>No prior</source>
        <translation>前回画像なし</translation>
    </message>
    <message>
        <source>CURRENT {0}</source>
        <translation>今回 {0}</translation>
    </message>
    <message>
        <source>PRIOR {0}</source>
        <translation>前回 {0}</translation>
    </message>
    <message>
        <source>Registering the prior to the current study…</source>
        <translation>前回画像を今回検査に位置合わせしています…</translation>
    </message>
    <message>
        <source>Prior registered: rotation {0:.1f}°, shift {1:.1f} mm</source>
        <translation>前回画像の位置合わせ完了: 回転 {0:.1f}°、移動 {1:.1f} mm</translation>
    </message>
    <message>
        <source>Prior linked by table position</source>
        <translation>前回画像を寝台位置で連動しています</translation>
    </message>
    <message>
        <source>Registering the prior to the current study… {0}%</source>
        <translation>前回画像を今回検査に位置合わせしています… {0}%</translation>
    </message>
    <message>
        <source>This prior may be another patient&apos;s ({0}): the views are not linked.</source>
        <translation>この前回画像は別の患者のものである可能性があります（{0}）。画像は連動していません。</translation>
    </message>
    <message>
        <source>Registration not used ({0}): the prior is aligned by table position only; check the positions by eye.</source>
        <translation>位置合わせは使用していません（{0}）。前回画像は寝台位置だけで合わせています。位置を目視で確認してください。</translation>
    </message>
    <message>
        <source>The prior was acquired in another orientation.</source>
        <translation>前回画像は異なる向きで撮像されています。</translation>
    </message>
    <message>
        <source>sex differs</source>
        <translation>性別が異なる</translation>
    </message>
    <message>
        <source>birth date differs</source>
        <translation>生年月日が異なる</translation>
    </message>
    <message>
        <source>name differs</source>
        <translation>氏名が異なる</translation>
    </message>
    <message>
        <source>it did not converge</source>
        <translation>収束せず</translation>
    </message>
    <message>
        <source>implausible rotation or shift</source>
        <translation>回転・移動量が不自然</translation>
    </message>
    <message>
        <source>the images do not match</source>
        <translation>画像が一致しない</translation>
    </message>
    <message>
        <source>the studies do not overlap</source>
        <translation>撮像範囲が重ならない</translation>
    </message>
    <message>
        <source>a study has no patient orientation</source>
        <translation>患者の向きの情報がない検査がある</translation>
    </message>
    <message>
        <source>it failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>中止</translation>
    </message>
</context>
<context>
    <name>ComparisonWindow</name>
    <message>
        <source>first reading</source>
        <translation>第一読影</translation>
    </message>
    <message>
        <source>second reading</source>
        <translation>第二読影</translation>
    </message>
    <message>
        <source>judge&apos;s own</source>
        <translation>最終判定医の判定</translation>
    </message>
    <message>
        <source>Physician</source>
        <translation>医師</translation>
    </message>
    <message>
        <source>Certified physician (lung cancer CT screening)</source>
        <translation>肺がんCT検診認定医師</translation>
    </message>
    <message>
        <source>Study {0}: comparison reading is the final judge&apos;s, and the centre did not assign you as judge. Nothing was changed.</source>
        <translation>検査 {0}: 比較読影は最終判定医が行います。読影センターはあなたを最終判定医に割り当てていません。何も変更されていません。</translation>
    </message>
    <message>
        <source>Study {0}: the two readings are not both signed yet; comparison reading opens once they are. Nothing was changed.</source>
        <translation>検査 {0}: 2つの読影の署名がまだ揃っていません。両方が署名されると比較読影を開けます。何も変更されていません。</translation>
    </message>
    <message>
        <source>Study {0}: your own reading is not signed; the other reading stays hidden until it is.</source>
        <translation>検査 {0}: あなたの読影はまだ署名されていません。署名するまで、もう一方の読影は表示されません。</translation>
    </message>
    <message>
        <source>Comparison reading — study {0}</source>
        <translation>比較読影 — 検査 {0}</translation>
    </message>
    <message>
        <source>First reading</source>
        <translation>第一読影</translation>
    </message>
    <message>
        <source>Second reading</source>
        <translation>第二読影</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>項目</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>判定</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>Reason for the change:</source>
        <translation>変更の理由:</translation>
    </message>
    <message>
        <source>Show the first reader&apos;s measurement</source>
        <translation>第一読影医の計測を表示</translation>
    </message>
    <message>
        <source>Show the second reader&apos;s measurement</source>
        <translation>第二読影医の計測を表示</translation>
    </message>
    <message>
        <source>Sign the final report</source>
        <translation>最終レポートに署名</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
    <message>
        <source>Your reconciliation in progress was restored ({0} decisions).</source>
        <translation>作業中の比較読影を復元しました（{0} 件の判断）。</translation>
    </message>
    <message>
        <source>(not reported)</source>
        <translation>（記載なし）</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大きさ</translation>
    </message>
    <message>
        <source>type</source>
        <translation>性状</translation>
    </message>
    <message>
        <source>lobe</source>
        <translation>肺葉</translation>
    </message>
    <message>
        <source>first reading only</source>
        <translation>第一読影のみ</translation>
    </message>
    <message>
        <source>second reading only</source>
        <translation>第二読影のみ</translation>
    </message>
    <message>
        <source>Nodule {0}</source>
        <translation>結節{0}</translation>
    </message>
    <message>
        <source>The two readings agree: sign the final report (Ctrl+Shift+S).</source>
        <translation>2つの読影は一致しています。最終レポートに署名してください (Ctrl+Shift+S)。</translation>
    </message>
    <message>
        <source>{0} differences, {1} still to decide (1 / 2, then the reason)</source>
        <translation>相違 {0}件、未判定 {1}件（1 / 2 キーで選び、理由を入力）</translation>
    </message>
    <message>
        <source>This row is the same in both readings: nothing to decide.</source>
        <translation>この行は両方の読影で同じです。判定は不要です。</translation>
    </message>
    <message>
        <source>{0}: the {1} stands — type the reason and press Enter</source>
        <translation>{0}: {1}を採用 — 理由を入力してEnterキーを押してください</translation>
    </message>
    <message>
        <source>Select a category row to set the judge&apos;s own category.</source>
        <translation>最終判定医の判定区分を設定するには判定区分の行を選択してください。</translation>
    </message>
    <message>
        <source>{0}: the judge&apos;s own category {1} — type the reason and press Enter</source>
        <translation>{0}: 最終判定医の判定区分 {1} — 理由を入力して Enter を押してください</translation>
    </message>
    <message>
        <source>{0}: a reason is required for every change</source>
        <translation>{0}: 変更にはすべて理由が必要です</translation>
    </message>
    <message>
        <source>Your decisions could not be kept as a draft ({0}); they stay on screen.</source>
        <translation>判断を下書きとして保存できませんでした（{0}）。画面上には残っています。</translation>
    </message>
    <message>
        <source>Select a nodule row to show its measurement.</source>
        <translation>計測を表示する結節の行を選択してください。</translation>
    </message>
    <message>
        <source>This reader did not report this nodule.</source>
        <translation>この読影医はこの結節を記載していません。</translation>
    </message>
    <message>
        <source>The measured image is not in the series on screen.</source>
        <translation>計測した画像は表示中のシリーズにありません。</translation>
    </message>
    <message>
        <source>Not signed: {0} still needs a decision with a reason.</source>
        <translation>署名されていません: {0} には理由を付けた判定がまだ必要です。</translation>
    </message>
    <message>
        <source>The judge&apos;s own category is set in the comparison reading: open it first (Ctrl+Shift+J).</source>
        <translation>最終判定医の判定区分は比較読影の画面で設定します。先に比較読影を開いてください（Ctrl+Shift+J）。</translation>
    </message>
    <message>
        <source>Open the study first: comparison reading is of the study on screen.</source>
        <translation>先に検査を開いてください。比較読影は表示中の検査に対して行います。</translation>
    </message>
    <message>
        <source>Study {0}: this centre keeps no readings to compare.</source>
        <translation>検査 {0}: この読影センターには比較する読影結果がありません。</translation>
    </message>
    <message>
        <source>Study {0}: the readings could not be compared ({1}).</source>
        <translation>検査 {0}: 読影結果を比較できませんでした（{1}）。</translation>
    </message>
    <message>
        <source>Fetching the two readings of study {0}…</source>
        <translation>検査 {0} の2つの読影結果を取得しています…</translation>
    </message>
    <message>
        <source>Signing cancelled.</source>
        <translation>署名を取り消しました。</translation>
    </message>
    <message>
        <source>Signed, but not queued for the centre: {0}</source>
        <translation>署名しましたが、読影センターへの送信待ちに登録できませんでした: {0}</translation>
    </message>
    <message>
        <source>Final report signed and queued for the centre.</source>
        <translation>最終レポートに署名し、読影センターへの送信待ちに登録しました。</translation>
    </message>
    <message>
        <source>Not signed: {0}</source>
        <translation>署名されていません: {0}</translation>
    </message>
</context>
<context>
    <name>CriticalDialog</name>
    <message>
        <source>Suspected cancer, prompt contact needed</source>
        <translation>肺癌疑い（速やかな連絡が必要）</translation>
    </message>
    <message>
        <source>Pneumothorax</source>
        <translation>気胸</translation>
    </message>
    <message>
        <source>Aortic dissection</source>
        <translation>大動脈解離</translation>
    </message>
    <message>
        <source>Other urgent finding (describe)</source>
        <translation>その他の緊急所見（内容を記入）</translation>
    </message>
    <message>
        <source>Critical result</source>
        <translation>緊急所見</translation>
    </message>
    <message>
        <source>Description (required for other)</source>
        <translation>所見の内容（「その他」では必須）</translation>
    </message>
    <message>
        <source>Clear the flag</source>
        <translation>緊急所見の登録を解除</translation>
    </message>
    <message>
        <source>Kind of critical or urgent finding (1-4):</source>
        <translation>緊急所見の種類（1～4）:</translation>
    </message>
    <message>
        <source>Describe the finding for the kind &apos;other&apos;.</source>
        <translation>「その他」の場合は所見の内容を記入してください。</translation>
    </message>
</context>
<context>
    <name>CriticalNotices</name>
    <message>
        <source>Critical result acknowledged by the centre: %1 (%2)</source>
        <translation>緊急所見: 読影センターが確認しました: %1（%2）</translation>
    </message>
    <message>
        <source>Critical result: the centre refused the notice (%1)</source>
        <translation>緊急所見: 読影センターが通知を受け付けませんでした（%1）</translation>
    </message>
    <message>
        <source>Critical result: the centre has it, not yet acknowledged</source>
        <translation>緊急所見: 読影センターに通知済み、未確認</translation>
    </message>
    <message>
        <source>Critical result: not yet told to the centre, trying again (%1 attempts)</source>
        <translation>緊急所見: 読影センターに未通知、再送中（%1回試行）</translation>
    </message>
    <message>
        <source>The report is signed: flag a critical result in an addendum.</source>
        <translation>署名済みのレポートです。緊急所見は追記で登録してください。</translation>
    </message>
</context>
<context>
    <name>DoseFill</name>
    <message>
        <source>the CT Radiation Dose SR</source>
        <translation>CT線量SR</translation>
    </message>
    <message>
        <source>the images&apos; CTDIvol (no DLP)</source>
        <translation>画像のCTDIvol（DLPなし）</translation>
    </message>
    <message>
        <source>Dose filled from {0}</source>
        <translation>{0}から線量を入力しました</translation>
    </message>
    <message>
        <source>CTDIvol {0} mGy is above the screening limit of {1} mGy (JECS, standard body)</source>
        <translation>CTDIvol {0} mGy は検診の上限 {1} mGy を超えています（JECS、標準体格）</translation>
    </message>
</context>
<context>
    <name>ErrorText</name>
    <message>
        <source>The reading centre did not answer in time.</source>
        <translation>読影センターから時間内に応答がありません。</translation>
    </message>
    <message>
        <source>The reading centre cannot be reached. Check the network.</source>
        <translation>読影センターに接続できません。ネットワークを確認してください。</translation>
    </message>
    <message>
        <source>The reading centre&apos;s certificate could not be verified: the connection was refused for safety.</source>
        <translation>読影センターの証明書を検証できません。安全のため接続を拒否しました。</translation>
    </message>
    <message>
        <source>The reading centre refused the user name, password or sign-in (it may have expired).</source>
        <translation>読影センターがユーザー名・パスワードまたはサインインを拒否しました（期限切れの可能性があります）。</translation>
    </message>
    <message>
        <source>The reading centre does not allow this: the study is not assigned to you.</source>
        <translation>読影センターがこの操作を許可していません。この検査はあなたに割り当てられていません。</translation>
    </message>
    <message>
        <source>The reading centre does not have this study (or it was removed).</source>
        <translation>読影センターにこの検査がありません（削除された可能性があります）。</translation>
    </message>
    <message>
        <source>The reading centre had an internal error. Try again later.</source>
        <translation>読影センターで内部エラーが発生しました。しばらくしてから再試行してください。</translation>
    </message>
    <message>
        <source>The reading centre did not store the report.</source>
        <translation>読影センターがレポートを保存しませんでした。</translation>
    </message>
    <message>
        <source>The reading centre sent more data than the station accepts.</source>
        <translation>読影センターから受け入れ上限を超えるデータが送られました。</translation>
    </message>
    <message>
        <source>The reading centre sent data that is not valid DICOM.</source>
        <translation>読影センターから正しくないDICOMデータが送られました。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>取り消しました。</translation>
    </message>
    <message>
        <source>The reading centre could not do this.</source>
        <translation>読影センターでこの処理を実行できませんでした。</translation>
    </message>
    <message>
        <source>The images are compressed in a format this station cannot decode.</source>
        <translation>画像がこの端末で展開できない形式で圧縮されています。</translation>
    </message>
    <message>
        <source>The series is too large to show on this station.</source>
        <translation>シリーズが大きすぎて、この端末では表示できません。</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>読み込みを中止しました</translation>
    </message>
    <message>
        <source>The images cannot be shown as a volume.</source>
        <translation>画像をボリュームとして表示できません。</translation>
    </message>
    <message>
        <source>The study could not be loaded (unexpected error).</source>
        <translation>検査を読み込めませんでした（予期しないエラー）。</translation>
    </message>
    <message>
        <source>Your signing certificate has expired: nothing was signed.</source>
        <translation>署名用証明書の有効期限が切れています。署名は行われていません。</translation>
    </message>
    <message>
        <source>Your signing certificate is not valid yet: nothing was signed.</source>
        <translation>署名用証明書はまだ有効期間前です。署名は行われていません。</translation>
    </message>
    <message>
        <source>Your signing certificate has been revoked: nothing was signed.</source>
        <translation>署名用証明書は失効しています。署名は行われていません。</translation>
    </message>
    <message>
        <source>Your certificate may not be used for signatures: nothing was signed.</source>
        <translation>この証明書は署名に使用できません。署名は行われていません。</translation>
    </message>
    <message>
        <source>The revocation of your certificate could not be checked: nothing was signed.</source>
        <translation>証明書の失効状況を確認できません。署名は行われていません。</translation>
    </message>
    <message>
        <source>Your certificate may not sign now: nothing was signed.</source>
        <translation>現在この証明書では署名できません。署名は行われていません。</translation>
    </message>
    <message>
        <source>No signing key is bound to your account: nothing was signed. Ask IT.</source>
        <translation>アカウントに署名鍵が登録されていません。署名は行われていません。情報システム担当者に連絡してください。</translation>
    </message>
    <message>
        <source>The signing key could not be opened (wrong password or PIN, or the card refused).</source>
        <translation>署名鍵を開けません（パスワードまたはPINの誤り、またはカードが拒否しました）。</translation>
    </message>
    <message>
        <source>The timestamp authority did not answer properly: nothing was signed.</source>
        <translation>タイムスタンプ局から正しい応答がありません。署名は行われていません。</translation>
    </message>
    <message>
        <source>A digital signature does not verify: the signed content changed.</source>
        <translation>電子署名の検証に失敗しました。署名された内容が変更されています。</translation>
    </message>
    <message>
        <source>The DICOM signature could not be made.</source>
        <translation>DICOM署名を作成できませんでした。</translation>
    </message>
    <message>
        <source>The report could not be signed.</source>
        <translation>レポートに署名できませんでした。</translation>
    </message>
    <message>
        <source>The report template cannot be used.</source>
        <translation>レポート様式を使用できません。</translation>
    </message>
    <message>
        <source>These measurements cannot be classified as given (check the axes).</source>
        <translation>この計測値では判定できません（長径・短径を確認してください）。</translation>
    </message>
    <message>
        <source>This value does not fit the report field.</source>
        <translation>この値はレポート項目に入力できません。</translation>
    </message>
    <message>
        <source>The report is signed: start an addendum to change it.</source>
        <translation>署名済みのレポートです。変更するには追記を作成してください。</translation>
    </message>
    <message>
        <source>The report is not ready to sign: fill in the fields still to do.</source>
        <translation>まだ署名できません。未入力の項目を入力してください。</translation>
    </message>
    <message>
        <source>The draft could not be saved or read back.</source>
        <translation>下書きを保存または読み込みできませんでした。</translation>
    </message>
    <message>
        <source>The report could not be printed to PDF.</source>
        <translation>レポートをPDFに出力できませんでした。</translation>
    </message>
    <message>
        <source>The DICOM report could not be built.</source>
        <translation>DICOMレポートを作成できませんでした。</translation>
    </message>
    <message>
        <source>The report&apos;s identifier is not valid.</source>
        <translation>レポートの識別子が正しくありません。</translation>
    </message>
    <message>
        <source>The report could not be processed.</source>
        <translation>レポートを処理できませんでした。</translation>
    </message>
    <message>
        <source>Sign-in cancelled.</source>
        <translation>サインインを取り消しました。</translation>
    </message>
    <message>
        <source>The sign-in in the web browser took too long.</source>
        <translation>ウェブブラウザーでのサインインが時間切れになりました。</translation>
    </message>
    <message>
        <source>The sign-in service cannot be reached.</source>
        <translation>認証サービスに接続できません。</translation>
    </message>
    <message>
        <source>The sign-in service refused the sign-in.</source>
        <translation>認証サービスがサインインを拒否しました。</translation>
    </message>
    <message>
        <source>The sign-in service signed in another person than this account&apos;s reader.</source>
        <translation>認証サービスでサインインしたのは、このアカウントの読影医とは別の人物です。</translation>
    </message>
    <message>
        <source>IT has not bound a sign-in identity to this account. Ask IT.</source>
        <translation>このアカウントにサインイン用の識別情報が登録されていません。情報システム担当者に連絡してください。</translation>
    </message>
    <message>
        <source>The sign-in at the reading centre has ended: sign in again.</source>
        <translation>読影センターへのサインインが終了しました。もう一度サインインしてください。</translation>
    </message>
    <message>
        <source>The sign-in at the reading centre failed.</source>
        <translation>読影センターへのサインインに失敗しました。</translation>
    </message>
    <message>
        <source>The user ID or password is wrong.</source>
        <translation>ユーザーIDまたはパスワードが正しくありません。</translation>
    </message>
    <message>
        <source>The station is locked: unlock it first.</source>
        <translation>端末がロックされています。先にロックを解除してください。</translation>
    </message>
    <message>
        <source>You are logged out: log in again.</source>
        <translation>ログアウトしています。もう一度ログインしてください。</translation>
    </message>
    <message>
        <source>The account store failed its signature check. Nobody can log in until IT restores it.</source>
        <translation>アカウント情報の署名検証に失敗しました。情報システム担当者が復旧するまで誰もログインできません。</translation>
    </message>
    <message>
        <source>This station has not been set up by IT yet.</source>
        <translation>この端末は情報システム担当者による初期設定がまだ済んでいません。</translation>
    </message>
    <message>
        <source>The login could not be completed.</source>
        <translation>ログインを完了できませんでした。</translation>
    </message>
    <message>
        <source>The station is locked: nothing can be queued for sending.</source>
        <translation>端末がロックされているため、送信待ちに登録できません。</translation>
    </message>
    <message>
        <source>The report could not be queued for sending.</source>
        <translation>レポートを送信待ちに登録できませんでした。</translation>
    </message>
    <message>
        <source>The study cache is locked by another Yomi.</source>
        <translation>検査キャッシュは別のYomiが使用中です。</translation>
    </message>
    <message>
        <source>The study cache could not be used.</source>
        <translation>検査キャッシュを使用できませんでした。</translation>
    </message>
    <message>
        <source>The station is locked: your files cannot be opened now.</source>
        <translation>端末がロックされているため、ファイルを開けません。</translation>
    </message>
    <message>
        <source>A file was not sealed for you or has been altered.</source>
        <translation>ファイルがあなた用に暗号化されていないか、改変されています。</translation>
    </message>
    <message>
        <source>A sealed file could not be read or written.</source>
        <translation>暗号化ファイルを読み書きできませんでした。</translation>
    </message>
    <message>
        <source>The configuration is not valid.</source>
        <translation>設定が正しくありません。</translation>
    </message>
    <message>
        <source>Unexpected error; the details are in the station&apos;s log.</source>
        <translation>予期しないエラーが発生しました。詳細は端末のログにあります。</translation>
    </message>
    <message>
        <source>{0} (study {1})</source>
        <translation>{0}（検査 {1}）</translation>
    </message>
    <message>
        <source>{0} ({1})</source>
        <translation>{0}（{1}）</translation>
    </message>
</context>
<context>
    <name>HangingApplier</name>
    <message>
        <source>Hanging protocol {0} not used: {1} ({2})</source>
        <translation>ハンギングプロトコル {0} は使用しません: {1}（{2}）</translation>
    </message>
    <message>
        <source>No hanging protocol fits this study</source>
        <translation>この検査に合うハンギングプロトコルはありません</translation>
    </message>
    <message>
        <source>Hanging protocol: {0} ({1})</source>
        <translation>ハンギングプロトコル: {0}（{1}）</translation>
    </message>
</context>
<context>
    <name>JudgeCategoryDialog</name>
    <message>
        <source>The judge&apos;s own category</source>
        <translation>最終判定医の判定区分</translation>
    </message>
    <message>
        <source>{0}: the final category (1-{1}):</source>
        <translation>{0}: 最終判定区分（1-{1}）:</translation>
    </message>
</context>
<context>
    <name>KeyImageCapture</name>
    <message>
        <source>Open a study first</source>
        <translation>先に検査を開いてください</translation>
    </message>
    <message>
        <source>The report is signed: start an addendum to add a key image</source>
        <translation>署名済みのレポートです。キー画像を追加するには追記を作成してください</translation>
    </message>
    <message>
        <source>No acquired image at this position: no key image</source>
        <translation>この位置には撮像画像がないため、キー画像にできません</translation>
    </message>
    <message>
        <source>Key image {0}: image {1} of the series</source>
        <translation>キー画像 {0}: シリーズの画像 {1}</translation>
    </message>
    <message>
        <source>Key image not taken: {0}</source>
        <translation>キー画像を登録できませんでした: {0}</translation>
    </message>
</context>
<context>
    <name>Keymap</name>
    <message>
        <source>the file cannot be read</source>
        <translation>ファイルを読み込めません</translation>
    </message>
    <message>
        <source>the file is not JSON</source>
        <translation>ファイルがJSON形式ではありません</translation>
    </message>
    <message>
        <source>the file is not a &quot;bindings&quot; table of action: list of keys</source>
        <translation>ファイルが「bindings」表（操作: キーのリスト）の形式ではありません</translation>
    </message>
    <message>
        <source>unknown action {0}</source>
        <translation>不明な操作 {0}</translation>
    </message>
    <message>
        <source>{0}: no such key “{1}”</source>
        <translation>{0}: キー「{1}」は存在しません</translation>
    </message>
    <message>
        <source>{0}: key {1} is given to two actions</source>
        <translation>{0}: キー {1} が2つの操作に割り当てられています</translation>
    </message>
    <message>
        <source>Shortcuts in {0} not used ({1}); the other shortcuts apply.</source>
        <translation>{0} のショートカットは使用しません（{1}）。それ以外のショートカットは有効です。</translation>
    </message>
    <message>
        <source>Refresh worklist</source>
        <translation>ワークリストを更新</translation>
    </message>
    <message>
        <source>Go to the worklist</source>
        <translation>ワークリストへ移動</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>画面ロック</translation>
    </message>
    <message>
        <source>Close Yomi</source>
        <translation>Yomiを終了</translation>
    </message>
    <message>
        <source>Next study</source>
        <translation>次の検査</translation>
    </message>
    <message>
        <source>Previous study</source>
        <translation>前の検査</translation>
    </message>
    <message>
        <source>Give back study</source>
        <translation>検査を返却</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>読み込みを中止</translation>
    </message>
    <message>
        <source>Comparison reading (double reading&apos;s judge)</source>
        <translation>比較読影（二重読影の最終判定）</translation>
    </message>
    <message>
        <source>Comparison reading: the judge&apos;s own category</source>
        <translation>比較読影: 最終判定医の判定区分</translation>
    </message>
    <message>
        <source>One view</source>
        <translation>1画面</translation>
    </message>
    <message>
        <source>MPR (three views)</source>
        <translation>MPR（3画面）</translation>
    </message>
    <message>
        <source>Next slice</source>
        <translation>次のスライス</translation>
    </message>
    <message>
        <source>Previous slice</source>
        <translation>前のスライス</translation>
    </message>
    <message>
        <source>10 slices forward</source>
        <translation>10スライス進む</translation>
    </message>
    <message>
        <source>10 slices back</source>
        <translation>10スライス戻る</translation>
    </message>
    <message>
        <source>First slice</source>
        <translation>先頭のスライス</translation>
    </message>
    <message>
        <source>Last slice</source>
        <translation>最後のスライス</translation>
    </message>
    <message>
        <source>Lung window</source>
        <translation>肺野条件</translation>
    </message>
    <message>
        <source>Mediastinum window</source>
        <translation>縦隔条件</translation>
    </message>
    <message>
        <source>Bone window</source>
        <translation>骨条件</translation>
    </message>
    <message>
        <source>Brain window</source>
        <translation>脳条件</translation>
    </message>
    <message>
        <source>Abdomen window</source>
        <translation>腹部条件</translation>
    </message>
    <message>
        <source>Series window 1</source>
        <translation>シリーズのウィンドウ設定 1</translation>
    </message>
    <message>
        <source>Series window 2</source>
        <translation>シリーズのウィンドウ設定 2</translation>
    </message>
    <message>
        <source>Series window 3</source>
        <translation>シリーズのウィンドウ設定 3</translation>
    </message>
    <message>
        <source>Series window 4</source>
        <translation>シリーズのウィンドウ設定 4</translation>
    </message>
    <message>
        <source>Series default window</source>
        <translation>シリーズ既定のウィンドウ設定</translation>
    </message>
    <message>
        <source>Reset zoom and pan</source>
        <translation>拡大・移動をリセット</translation>
    </message>
    <message>
        <source>Reset MPR orientation</source>
        <translation>MPRの断面方向をリセット</translation>
    </message>
    <message>
        <source>Slab: off, MIP, MinIP, average</source>
        <translation>スラブ: なし・MIP・MinIP・平均</translation>
    </message>
    <message>
        <source>Thicker slab</source>
        <translation>スラブを厚く</translation>
    </message>
    <message>
        <source>Thinner slab</source>
        <translation>スラブを薄く</translation>
    </message>
    <message>
        <source>Rotate other planes -5°</source>
        <translation>他の断面を -5° 回転</translation>
    </message>
    <message>
        <source>Rotate other planes +5°</source>
        <translation>他の断面を +5° 回転</translation>
    </message>
    <message>
        <source>Next hanging protocol</source>
        <translation>次のハンギングプロトコル</translation>
    </message>
    <message>
        <source>Prior comparison: axial / coronal</source>
        <translation>前回比較: 横断 / 冠状断</translation>
    </message>
    <message>
        <source>Prior comparison: link / unlink</source>
        <translation>前回比較: 連動 / 解除</translation>
    </message>
    <message>
        <source>Prior comparison: swap sides</source>
        <translation>前回比較: 左右入れ替え</translation>
    </message>
    <message>
        <source>Prior comparison: one study / both</source>
        <translation>前回比較: 片方のみ / 両方</translation>
    </message>
    <message>
        <source>Prior comparison: find the measured nodule in the prior</source>
        <translation>前回比較: 計測した結節を前回画像で探す</translation>
    </message>
    <message>
        <source>Two screens: worklist and report on the other screen</source>
        <translation>2画面: ワークリストとレポートをもう一方の画面に表示</translation>
    </message>
    <message>
        <source>Reset window layout</source>
        <translation>ウィンドウ配置をリセット</translation>
    </message>
    <message>
        <source>Window/level</source>
        <translation>ウィンドウ幅/レベル</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>移動</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>拡大縮小</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>距離計測</translation>
    </message>
    <message>
        <source>Ellipse ROI</source>
        <translation>楕円ROI</translation>
    </message>
    <message>
        <source>Crosshair</source>
        <translation>十字カーソル</translation>
    </message>
    <message>
        <source>Delete last measurement</source>
        <translation>直前の計測を削除</translation>
    </message>
    <message>
        <source>Back to window/level</source>
        <translation>ウィンドウ幅/レベルに戻る</translation>
    </message>
    <message>
        <source>Keyboard shortcuts…</source>
        <translation>キーボードショートカット…</translation>
    </message>
    <message>
        <source>Centre statistics</source>
        <translation>センター統計</translation>
    </message>
    <message>
        <source>Backlog per reader</source>
        <translation>読影医別の未処理件数</translation>
    </message>
    <message>
        <source>Measurement to nodule</source>
        <translation>計測を結節として登録</translation>
    </message>
    <message>
        <source>Sign report</source>
        <translation>レポートに署名</translation>
    </message>
    <message>
        <source>Sign report and open the next study</source>
        <translation>署名して次の検査へ</translation>
    </message>
    <message>
        <source>Flag a critical result</source>
        <translation>緊急所見を登録</translation>
    </message>
    <message>
        <source>Compare the measured nodule with the prior</source>
        <translation>計測した結節を前回画像と比較</translation>
    </message>
    <message>
        <source>Mark key image</source>
        <translation>キー画像に登録</translation>
    </message>
    <message>
        <source>Undo report change</source>
        <translation>レポートの変更を元に戻す</translation>
    </message>
    <message>
        <source>Redo report change</source>
        <translation>レポートの変更をやり直す</translation>
    </message>
    <message>
        <source>Go to the report editor</source>
        <translation>レポート入力へ移動</translation>
    </message>
    <message>
        <source>Keyboard shortcut sheet</source>
        <translation>ショートカット一覧</translation>
    </message>
</context>
<context>
    <name>KeymapEditor</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>キーボードショートカット</translation>
    </message>
    <message>
        <source>Menu</source>
        <translation>メニュー</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>キー</translation>
    </message>
    <message>
        <source>Set key</source>
        <translation>キーを設定</translation>
    </message>
    <message>
        <source>Add key</source>
        <translation>キーを追加</translation>
    </message>
    <message>
        <source>No key</source>
        <translation>キーなし</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>既定に戻す</translation>
    </message>
    <message>
        <source>Reset all</source>
        <translation>すべて既定に戻す</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>割り当て直す</translation>
    </message>
    <message>
        <source>New key:</source>
        <translation>新しいキー:</translation>
    </message>
    <message>
        <source>Choose an action, then press the new key.</source>
        <translation>操作を選んでから、新しいキーを押してください。</translation>
    </message>
    <message>
        <source>{0} cannot be used as a shortcut.</source>
        <translation>{0} はショートカットに使用できません。</translation>
    </message>
    <message>
        <source>{0} is used by “{1}”</source>
        <translation>{0} は「{1}」で使用中</translation>
    </message>
    <message>
        <source>not changed. Reassign takes the key from it.</source>
        <translation>変更していません。「割り当て直す」でキーをこの操作に移せます。</translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <source>en</source>
        <translation>ja</translation>
    </message>
</context>
<context>
    <name>LayoutMemory</name>
    <message>
        <source>Only one screen: the worklist and the report stay in the window</source>
        <translation>画面が1つのため、ワークリストとレポートはウィンドウ内に表示します</translation>
    </message>
    <message>
        <source>Window layout reset</source>
        <translation>ウィンドウ配置をリセットしました</translation>
    </message>
</context>
<context>
    <name>LockGuard</name>
    <message>
        <source>Yomi — locked</source>
        <translation>Yomi — ロック中</translation>
    </message>
    <message>
        <source>Wrong password.</source>
        <translation>パスワードが正しくありません。</translation>
    </message>
    <message>
        <source>Enter the one-time code from your authenticator app too.</source>
        <translation>認証アプリのワンタイムコードも入力してください。</translation>
    </message>
</context>
<context>
    <name>LockWidget</name>
    <message>
        <source>Yomi is locked</source>
        <translation>Yomi はロックされています</translation>
    </message>
    <message>
        <source>Images and patient data are hidden.
Enter the password of {user} to unlock.</source>
        <translation>画像と患者情報は非表示になっています。
ロックを解除するには {user} のパスワードを入力してください。</translation>
    </message>
    <message>
        <source>One-time code from your authenticator app (or a recovery code):</source>
        <translation>認証アプリのワンタイムコード（またはリカバリーコード）:</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>ロック解除</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>ログアウト</translation>
    </message>
    <message>
        <source>Checking the password…</source>
        <translation>パスワードを確認しています…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Too many failed attempts. Try again in 1 minute.</source>
        <translation>失敗回数が上限に達しました。1分後に再試行してください。</translation>
    </message>
    <message>
        <source>Too many failed attempts. Try again in {n} minutes.</source>
        <translation>失敗回数が上限に達しました。{n}分後に再試行してください。</translation>
    </message>
    <message>
        <source>The one-time code is wrong.</source>
        <translation>ワンタイムコードが正しくありません。</translation>
    </message>
    <message>
        <source>The one-time code has expired. Enter the code the app shows now.</source>
        <translation>ワンタイムコードの有効期限が切れています。アプリに表示されている現在のコードを入力してください。</translation>
    </message>
    <message>
        <source>This one-time code was already used. Wait for the next code.</source>
        <translation>このワンタイムコードは使用済みです。次のコードが表示されるまでお待ちください。</translation>
    </message>
    <message>
        <source>This recovery code was already used.</source>
        <translation>このリカバリーコードは使用済みです。</translation>
    </message>
    <message>
        <source>The authenticator set up on this station does not match the one IT enrolled. Ask IT to reset your account.</source>
        <translation>この端末の認証アプリ設定が、情報システム担当者の登録内容と一致しません。アカウントの再設定を依頼してください。</translation>
    </message>
    <message>
        <source>The account store {path} failed its signature check: it may have been altered. Nobody can log in until IT restores it.</source>
        <translation>アカウント情報 {path} の署名検証に失敗しました。改変された可能性があります。情報システム担当者が復旧するまで誰もログインできません。</translation>
    </message>
    <message>
        <source>Yomi — log in</source>
        <translation>Yomi — ログイン</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>ログイン</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>User ID</source>
        <translation>ユーザーID</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <source>Set up your authenticator app: scan this QR code with it now. It is shown only this once; then enter the code the app shows.</source>
        <translation>認証アプリを設定します。このQRコードをアプリで読み取ってください。表示されるのは今回限りです。読み取り後、アプリに表示されるコードを入力してください。</translation>
    </message>
    <message>
        <source>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</source>
        <translation>認証アプリの6桁のコード、またはリカバリーコードのいずれかを入力してください。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>コード</translation>
    </message>
    <message>
        <source>Your password was set by the administrator and must be changed now.
At least {n} characters, mixing at least {k} of lower case, upper case, digits and symbols, not containing your user ID.</source>
        <translation>パスワードは管理者が設定したものです。今すぐ変更してください。
{n}文字以上で、英小文字・英大文字・数字・記号のうち{k}種類以上を含み、ユーザーIDを含まないもの。</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新しいパスワード</translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation>確認のため再入力</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>確認しています…</translation>
    </message>
    <message>
        <source>Enter your user ID and password.</source>
        <translation>ユーザーIDとパスワードを入力してください。</translation>
    </message>
    <message>
        <source>The user ID or password is wrong.</source>
        <translation>ユーザーIDまたはパスワードが正しくありません。</translation>
    </message>
    <message>
        <source>This account may not open the reading window (no reader role). Ask IT.</source>
        <translation>このアカウントでは読影画面を開けません（読影医の権限がありません）。情報システム担当者に連絡してください。</translation>
    </message>
    <message>
        <source>Key: {key}</source>
        <translation>キー: {key}</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>確認</translation>
    </message>
    <message>
        <source>Enter the code from your authenticator app.</source>
        <translation>認証アプリのコードを入力してください。</translation>
    </message>
    <message>
        <source>Change password</source>
        <translation>パスワードを変更</translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>入力した2つの新しいパスワードが一致しません。</translation>
    </message>
    <message>
        <source>The new password needs:</source>
        <translation>新しいパスワードの条件:</translation>
    </message>
    <message>
        <source>at least {n} characters</source>
        <translation>{n}文字以上</translation>
    </message>
    <message>
        <source>at least {k} of: lower case, upper case, digits, symbols</source>
        <translation>英小文字・英大文字・数字・記号のうち{k}種類以上</translation>
    </message>
    <message>
        <source>not containing your user ID</source>
        <translation>ユーザーIDを含まないこと</translation>
    </message>
    <message>
        <source>a password other than the current one</source>
        <translation>現在のパスワードと異なること</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Yomi — {0} — {1}</source>
        <translation>Yomi — {0} — {1}</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>ワークリスト</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>View</source>
        <translation>表示</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>シリーズ</translation>
    </message>
    <message>
        <source>Opening study {0}…</source>
        <translation>検査 {0} を開いています…</translation>
    </message>
    <message>
        <source>Give this study back to the reading centre unread?</source>
        <translation>この検査を未読影のまま読影センターに返却しますか？</translation>
    </message>
    <message>
        <source>No other study on the worklist</source>
        <translation>ワークリストに他の検査はありません</translation>
    </message>
    <message>
        <source>Refreshing the worklist…</source>
        <translation>ワークリストを更新しています…</translation>
    </message>
    <message>
        <source>{0} studies assigned to {1}</source>
        <translation>{1} に割り当てられた検査: {0}件</translation>
    </message>
    <message>
        <source>Worklist unavailable: {0}</source>
        <translation>ワークリストを取得できません: {0}</translation>
    </message>
    <message>
        <source>Worklist refresh cancelled</source>
        <translation>ワークリストの更新を中止しました</translation>
    </message>
    <message>
        <source>Cannot open study: {0}</source>
        <translation>検査を開けません: {0}</translation>
    </message>
    <message>
        <source>Study {0} given back</source>
        <translation>検査 {0} を返却しました</translation>
    </message>
    <message>
        <source>Cannot give the study back: {0}</source>
        <translation>検査を返却できません: {0}</translation>
    </message>
    <message>
        <source>Loading study {0}…</source>
        <translation>検査 {0} を読み込んでいます…</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>読み込みを中止しました</translation>
    </message>
    <message>
        <source>Study {0}: {1} slices on screen, more arriving…</source>
        <translation>検査 {0}: {1} スライスを表示中、受信を継続しています…</translation>
    </message>
    <message>
        <source>Study {0}: {1} of {2} slices on screen, more arriving…</source>
        <translation>検査 {0}: {2} スライス中 {1} スライスを表示中、受信を継続しています…</translation>
    </message>
    <message>
        <source>Se {0} {1} ({2} images)</source>
        <translation>Se {0} {1}（{2} 画像）</translation>
    </message>
    <message>
        <source>Study {0}: series {1}, {2} slices</source>
        <translation>検査 {0}: シリーズ {1}、{2} スライス</translation>
    </message>
    <message>
        <source>{0} file(s) skipped: </source>
        <translation>{0} 個のファイルを除外しました: </translation>
    </message>
    <message>
        <source>{0} — no value: {1}</source>
        <translation>{0} — 値なし: {1}</translation>
    </message>
    <message>
        <source>Image {0} is not in the series on screen</source>
        <translation>画像 {0} は表示中のシリーズにありません</translation>
    </message>
</context>
<context>
    <name>Measure</name>
    <message>
        <source>{mm:.1f} mm</source>
        <translation>{mm:.1f} mm</translation>
    </message>
    <message>
        <source>{length}, not on acquired data:
{reason}</source>
        <translation>{length}（撮像データ上ではありません）:
{reason}</translation>
    </message>
    <message>
        <source>mean {mean:.1f} HU  SD {sd:.1f}
min {min:.0f}  max {max:.0f}  {area:.1f} mm²</source>
        <translation>平均 {mean:.1f} HU  SD {sd:.1f}
最小 {min:.0f}  最大 {max:.0f}  {area:.1f} mm²</translation>
    </message>
    <message>
        <source>no value:
{reason}</source>
        <translation>値なし:
{reason}</translation>
    </message>
    <message>
        <source>values of the centre plane, not of the slab</source>
        <translation>値は中心断面のもの（スラブ画像の値ではありません）</translation>
    </message>
</context>
<context>
    <name>OidcWaitDialog</name>
    <message>
        <source>Sign in at {0} in your web browser…</source>
        <translation>ウェブブラウザーで {0} にサインインしてください…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>取り消しています…</translation>
    </message>
    <message>
        <source>No web browser could be opened. Open this address to sign in:
{0}</source>
        <translation>ウェブブラウザーを開けませんでした。次のアドレスを開いてサインインしてください:
{0}</translation>
    </message>
</context>
<context>
    <name>PriorComparisonPanel</name>
    <message>
        <source>{0} other studies of this patient listed; none is a comparable CT of the same patient to open by itself</source>
        <translation>この患者の他の検査が {0}件ありますが、自動で開ける同一患者の比較可能なCTはありません</translation>
    </message>
    <message>
        <source>No prior CT of this patient at the centre</source>
        <translation>読影センターにこの患者の過去のCTはありません</translation>
    </message>
    <message>
        <source>Priors could not be searched: {0}</source>
        <translation>過去画像を検索できませんでした: {0}</translation>
    </message>
    <message>
        <source>The prior could not be opened: {0}</source>
        <translation>前回画像を開けませんでした: {0}</translation>
    </message>
    <message>
        <source>No registered prior to compare with yet</source>
        <translation>比較できる位置合わせ済みの前回画像はまだありません</translation>
    </message>
    <message>
        <source>the registered position is outside the prior</source>
        <translation>対応位置が前回画像の範囲外</translation>
    </message>
    <message>
        <source>no acquired slice there</source>
        <translation>その位置に撮像スライスがない</translation>
    </message>
    <message>
        <source>not in the lung</source>
        <translation>肺野外</translation>
    </message>
    <message>
        <source>it touches a vessel or the chest wall</source>
        <translation>血管または胸壁に接している</translation>
    </message>
    <message>
        <source>The nodule could not be measured on the prior ({0}): measure it there by hand</source>
        <translation>前回画像で結節を計測できませんでした（{0}）。前回画像上で手動で計測してください</translation>
    </message>
    <message>
        <source>new</source>
        <translation>新出</translation>
    </message>
    <message>
        <source>stable</source>
        <translation>不変</translation>
    </message>
    <message>
        <source>growing</source>
        <translation>増大</translation>
    </message>
    <message>
        <source>shrinking</source>
        <translation>縮小</translation>
    </message>
    <message>
        <source>Nodule {0}: nothing at the registered position on the prior</source>
        <translation>結節（{0}）: 前回画像の対応位置に所見なし</translation>
    </message>
    <message>
        <source>Nodule {0}: {1} mm -&gt; {2} mm ({3:+} mm in {4} days)</source>
        <translation>結節（{0}）: {1} mm → {2} mm（{4}日間で {3:+} mm）</translation>
    </message>
    <message>
        <source>, volume doubling time {0:.0f} days</source>
        <translation>、体積倍加時間 {0:.0f}日</translation>
    </message>
    <message>
        <source>Prior comparison</source>
        <translation>前回比較</translation>
    </message>
</context>
<context>
    <name>ReadingMenuBar</name>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Study</source>
        <translation>検査(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>ツール(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Report</source>
        <translation>レポート(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
</context>
<context>
    <name>ReportEditor</name>
    <message>
        <source>Nothing to undo</source>
        <translation>元に戻す操作はありません</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>やり直す操作はありません</translation>
    </message>
    <message>
        <source>A nodule needs both axes</source>
        <translation>結節には長径と短径の両方が必要です</translation>
    </message>
    <message>
        <source>Nodule {0}: the comparison suggested “{1}”; type the reason for the change and press Enter (Esc keeps the suggestion)</source>
        <translation>結節 {0}: 前回比較の提案は「{1}」です。変更の理由を入力して Enter（Esc で提案のまま）</translation>
    </message>
    <message>
        <source>A changed comparison status needs its reason</source>
        <translation>経時変化を提案から変更するには理由が必要です</translation>
    </message>
    <message>
        <source>An override needs its reason</source>
        <translation>判定を変更するには理由が必要です</translation>
    </message>
    <message>
        <source>No single option matches “{0}”</source>
        <translation>「{0}」に一致する選択肢が1つに絞れません</translation>
    </message>
    <message>
        <source>A number ≥ 0</source>
        <translation>0以上の数値を入力してください</translation>
    </message>
</context>
<context>
    <name>ReportPanel</name>
    <message>
        <source>not queued</source>
        <translation>未登録</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>送信待ち</translation>
    </message>
    <message>
        <source>queued (retrying)</source>
        <translation>送信待ち（再試行中）</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>送信中</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>送信済み</translation>
    </message>
    <message>
        <source>sending failed</source>
        <translation>送信失敗</translation>
    </message>
    <message>
        <source>Japanese</source>
        <translation>日本語</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英語</translation>
    </message>
    <message>
        <source>Language of the report (the screen&apos;s language is a setting of its own)</source>
        <translation>レポートの言語（画面表示の言語とは別に設定します）</translation>
    </message>
    <message>
        <source>Sign (Ctrl+Shift+S)</source>
        <translation>署名 (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>Addendum</source>
        <translation>追記</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>再送</translation>
    </message>
    <message>
        <source>The template can only be changed on an empty draft.</source>
        <translation>様式は空の下書きでのみ変更できます。</translation>
    </message>
    <message>
        <source>Open a study first.</source>
        <translation>先に検査を開いてください。</translation>
    </message>
    <message>
        <source>The report is signed: start an addendum to add a nodule.</source>
        <translation>署名済みのレポートです。結節を追加するには追記を作成してください。</translation>
    </message>
    <message>
        <source>Nodule {0}: {1} × {2} mm on image {3}</source>
        <translation>結節{0}: {1} × {2} mm（画像 {3}）</translation>
    </message>
    <message>
        <source>Short axis (mm)</source>
        <translation>短径 (mm)</translation>
    </message>
    <message>
        <source>To do: {0}</source>
        <translation>未入力: {0}</translation>
    </message>
    <message>
        <source>Your password, to sign</source>
        <translation>署名のためパスワードを入力してください</translation>
    </message>
    <message>
        <source>The signing key of this account cannot be used. Ask IT.</source>
        <translation>このアカウントの署名鍵は使用できません。情報システム担当者に連絡してください。</translation>
    </message>
    <message>
        <source>No signing key is bound to your account: a report is signed only with your own certificate. Ask IT to bind it (yomi user reset --signing-p12 / --signing-pkcs11).</source>
        <translation>アカウントに署名鍵が登録されていません。レポートは本人の証明書でのみ署名できます。情報システム担当者に登録を依頼してください（yomi user reset --signing-p12 / --signing-pkcs11）。</translation>
    </message>
    <message>
        <source>Card PIN</source>
        <translation>カードのPIN</translation>
    </message>
    <message>
        <source>Certificate password</source>
        <translation>証明書のパスワード</translation>
    </message>
    <message>
        <source>Already signed: use Addendum for a correction.</source>
        <translation>署名済みです。修正は追記で行ってください。</translation>
    </message>
    <message>
        <source>Not ready to sign: {0}</source>
        <translation>まだ署名できません: {0}</translation>
    </message>
    <message>
        <source>Signing cancelled</source>
        <translation>署名を取り消しました</translation>
    </message>
    <message>
        <source>Signing…</source>
        <translation>署名中…</translation>
    </message>
    <message>
        <source>Not signed: {0}</source>
        <translation>署名されていません: {0}</translation>
    </message>
    <message>
        <source>The signed outputs are in {0} but NOT queued for sending: {1} Press Sign to queue them again.</source>
        <translation>署名済みの出力は {0} にありますが、送信待ちに登録されていません: {1} もう一度「署名」を押すと登録します。</translation>
    </message>
    <message>
        <source>Signed and queued: SR {0}, PDF {1}</source>
        <translation>署名し、送信待ちに登録しました: SR {0}、PDF {1}</translation>
    </message>
    <message>
        <source>Addendum to report {0}</source>
        <translation>レポート {0} への追記</translation>
    </message>
    <message>
        <source>{0} item(s) queued again</source>
        <translation>{0} 件を再び送信待ちに登録しました</translation>
    </message>
    <message>
        <source>Report {0}: study completed at the centre</source>
        <translation>レポート {0}: 読影センターで検査が完了しました</translation>
    </message>
    <message>
        <source>Report {0}: signed outputs NOT sent, please check them.</source>
        <translation>レポート {0}: 署名済みの出力が送信されていません。確認してください。</translation>
    </message>
    <message>
        <source>Report {0}: delivered, but the study could not be marked completed: {1}</source>
        <translation>レポート {0}: 送信しましたが、検査を完了にできませんでした: {1}</translation>
    </message>
    <message>
        <source>not in the outbox</source>
        <translation>送信待ちにありません</translation>
    </message>
    <message>
        <source>Signed {0} — {1}</source>
        <translation>署名済み {0} — {1}</translation>
    </message>
    <message>
        <source>Signed outputs written, not queued for sending</source>
        <translation>署名済みの出力を書き出しました（送信待ちには未登録）</translation>
    </message>
    <message>
        <source>Addendum draft</source>
        <translation>追記の下書き</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>下書き</translation>
    </message>
    <message>
        <source>{0} (autosaved) — report {1}</source>
        <translation>{0}（自動保存済み）— レポート {1}</translation>
    </message>
    <message>
        <source>Outbox — {0}</source>
        <translation>送信待ち — {0}</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>読影レポート</translation>
    </message>
</context>
<context>
    <name>Sampling</name>
    <message>
        <source>outside the volume</source>
        <translation>ボリュームの範囲外</translation>
    </message>
    <message>
        <source>slice {slice} is a blank gap filler: slices are missing there</source>
        <translation>スライス {slice} は欠損部の空白スライスです（この位置のスライスがありません）</translation>
    </message>
    <message>
        <source>slice {slice} is interpolated, not acquired</source>
        <translation>スライス {slice} は補間スライスです（撮像されたものではありません）</translation>
    </message>
    <message>
        <source>slice {slice} has not arrived yet</source>
        <translation>スライス {slice} はまだ届いていません</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Password for {0} at {1}:</source>
        <translation>{1} での {0} のパスワード:</translation>
    </message>
    <message>
        <source>real chest CT (TCIA Lung-PET-CT-Dx, CC BY 4.0); synthetic chest phantom</source>
        <translation>実際の胸部CT（TCIA Lung-PET-CT-Dx、CC BY 4.0）、合成胸部ファントム</translation>
    </message>
    <message>
        <source>sample CT not found (../shared/data): showing a synthetic chest phantom instead</source>
        <translation>サンプルCTが見つかりません（../shared/data）。代わりに合成胸部ファントムを表示します</translation>
    </message>
    <message>
        <source>Demo centre: {0} — demo reader &apos;{1}&apos; / {2}</source>
        <translation>デモ読影センター: {0} — デモ読影医「{1}」/ {2}</translation>
    </message>
    <message>
        <source>Connected to {0}</source>
        <translation>{0} に接続しました</translation>
    </message>
    <message>
        <source>{0} configured value(s) replaced by your account&apos;s binding (see the log)</source>
        <translation>設定値 {0} 件をアカウントの登録内容で置き換えました（詳細はログ）</translation>
    </message>
</context>
<context>
    <name>ShortcutSheet</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>キーボードショートカット</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>キー</translation>
    </message>
    <message>
        <source> (in the images)</source>
        <translation>（画像上）</translation>
    </message>
</context>
<context>
    <name>StartupError</name>
    <message>
        <source>Yomi cannot start: its configuration is wrong.</source>
        <translation>設定に誤りがあるため、Yomiを起動できません。</translation>
    </message>
    <message>
        <source>Please tell IT what it says below; nothing was changed.</source>
        <translation>以下の内容を情報システム担当者に伝えてください。何も変更されていません。</translation>
    </message>
</context>
<context>
    <name>StatisticsView</name>
    <message>
        <source>Centre statistics</source>
        <translation>センター統計</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>集計</translation>
    </message>
    <message>
        <source>Examinees by age band</source>
        <translation>年齢階級別の受診者数</translation>
    </message>
    <message>
        <source>Men</source>
        <translation>男性</translation>
    </message>
    <message>
        <source>Women</source>
        <translation>女性</translation>
    </message>
    <message>
        <source>Final judgements (JSCTS)</source>
        <translation>最終判定（JSCTS）</translation>
    </message>
    <message>
        <source>Rates</source>
        <translation>各種指標（%）</translation>
    </message>
    <message>
        <source>From</source>
        <translation>期間</translation>
    </message>
    <message>
        <source>to</source>
        <translation>～</translation>
    </message>
    <message>
        <source>The end date is before the start date.</source>
        <translation>終了日が開始日より前です。</translation>
    </message>
    <message>
        <source>Reading the centre&apos;s reports…</source>
        <translation>読影センターのレポートを読み込んでいます…</translation>
    </message>
    <message>
        <source>The statistics could not be computed: %1</source>
        <translation>統計を集計できませんでした: %1</translation>
    </message>
    <message>
        <source>Referral (要精検)</source>
        <translation>要精検率</translation>
    </message>
    <message>
        <source>Agreement</source>
        <translation>読影一致率</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>期限内報告率</translation>
    </message>
    <message>
        <source>%1 examinees, %2 readings, %3 critical results, %4 reconciled cases; CTDIvol median %5 mGy, DLP median %6 mGy·cm</source>
        <translation>受診者 %1人、読影 %2件、緊急所見 %3件、比較読影 %4件。CTDIvol 中央値 %5 mGy、DLP 中央値 %6 mGy·cm</translation>
    </message>
    <message>
        <source>No nodule</source>
        <translation>結節なし</translation>
    </message>
    <message>
        <source>CT in 12 months</source>
        <translation>12か月後にCT</translation>
    </message>
    <message>
        <source>Refer if necessary</source>
        <translation>必要時精検</translation>
    </message>
    <message>
        <source>Refer (要精検)</source>
        <translation>要精検</translation>
    </message>
</context>
<context>
    <name>ViewLabels</name>
    <message>
        <source>retrieving</source>
        <translation>受信中</translation>
    </message>
    <message>
        <source>building volume</source>
        <translation>ボリューム作成中</translation>
    </message>
</context>
<context>
    <name>VolumeWarning</name>
    <message>
        <source>no patient orientation/position in the file: orientation labels unknown</source>
        <translation>ファイルに患者の向き・位置の情報がありません：方向表示は不明です</translation>
    </message>
    <message>
        <source>pixel spacing is Imager Pixel Spacing (at the detector, not in the patient)</source>
        <translation>画素間隔は検出器面での値です（患者の体内での値ではありません）</translation>
    </message>
    <message>
        <source>no pixel spacing: distances are in pixels, not mm</source>
        <translation>画素間隔がありません：距離は mm ではなく画素数です</translation>
    </message>
    <message>
        <source>single slice: slice spacing {mm:g} mm taken from Spacing Between Slices</source>
        <translation>単一スライス：スライス間隔 {mm:g} mm はスライス間距離の値によります</translation>
    </message>
    <message>
        <source>single slice: slice spacing {mm:g} mm taken from Slice Thickness</source>
        <translation>単一スライス：スライス間隔 {mm:g} mm はスライス厚によります</translation>
    </message>
    <message>
        <source>single slice: slice spacing {mm:g} mm taken from a default of 1.0 mm</source>
        <translation>単一スライス：スライス間隔 {mm:g} mm は既定値（1.0 mm）です</translation>
    </message>
    <message>
        <source>values are in unit &apos;{unit}&apos; (Rescale Type), not Hounsfield units</source>
        <translation>値の単位は「{unit}」（リスケールタイプ）で、HUではありません</translation>
    </message>
    <message>
        <source>gantry tilt {deg:.1f}° corrected by resampling (each slice shifted in-plane, linear interpolation)</source>
        <translation>ガントリ傾斜 {deg:.1f}° を再サンプリングで補正しました（各スライスを面内で移動、線形補間）</translation>
    </message>
    <message>
        <source>uneven slice spacing ({low:.2f} to {high:.2f} mm, median {median:.2f} mm): resampled onto a regular {step:.2f} mm grid, {interpolated} of {slices} slices interpolated linearly between acquired neighbours</source>
        <translation>スライス間隔が不均一です（{low:.2f}〜{high:.2f} mm、中央値 {median:.2f} mm）：{step:.2f} mm の等間隔に再サンプリングし、{slices} 枚中 {interpolated} 枚を撮像された隣接スライスから線形補間しました</translation>
    </message>
    <message>
        <source>missing slices: gap of {gap:.1f} mm between slices at {start:.2f} and {end:.2f} mm along the normal (expected {median:.2f} mm); {missing} blank slices inserted, not interpolated: no measurement possible there</source>
        <translation>スライス欠損：法線方向 {start:.2f} mm と {end:.2f} mm のスライス間に {gap:.1f} mm の空き（通常 {median:.2f} mm）。空白スライス {missing} 枚を挿入（補間なし）：この範囲では計測できません</translation>
    </message>
    <message>
        <source>synthetic phantom: not patient data</source>
        <translation>合成ファントム：患者データではありません</translation>
    </message>
</context>
<context>
    <name>WindowLevel</name>
    <message>
        <source>Lung</source>
        <translation>肺野</translation>
    </message>
    <message>
        <source>Mediastinum</source>
        <translation>縦隔</translation>
    </message>
    <message>
        <source>Bone</source>
        <translation>骨</translation>
    </message>
    <message>
        <source>Brain</source>
        <translation>脳</translation>
    </message>
    <message>
        <source>Abdomen</source>
        <translation>腹部</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>手動調整</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>前回値</translation>
    </message>
    <message>
        <source>series {0}</source>
        <translation>シリーズ {0}</translation>
    </message>
</context>
<context>
    <name>WorklistFilterBar</name>
    <message>
        <source>All statuses</source>
        <translation>すべての状態</translation>
    </message>
    <message>
        <source>Scheduled</source>
        <translation>未読影</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>読影中</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>すべての優先度</translation>
    </message>
    <message>
        <source>STAT</source>
        <translation>至急</translation>
    </message>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <source>Routine</source>
        <translation>通常</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Any date</source>
        <translation>全期間</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>過去7日間</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>過去30日間</translation>
    </message>
    <message>
        <source>{0} studies</source>
        <translation>{0}件</translation>
    </message>
    <message>
        <source>{0} of {1} studies</source>
        <translation>{1}件中 {0}件</translation>
    </message>
    <message>
        <source>{0} STAT</source>
        <translation>至急 {0}件</translation>
    </message>
    <message>
        <source>{0} in progress</source>
        <translation>読影中 {0}件</translation>
    </message>
    <message>
        <source>Search: patient ID, name (kana, kanji, romaji)…</source>
        <translation>検索: 患者ID、氏名（カナ・漢字・ローマ字）…</translation>
    </message>
    <message>
        <source>All modalities</source>
        <translation>すべてのモダリティ</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>Priority</source>
        <translation>優先度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>患者ID</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>検査日</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>到着</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>検査内容</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>モダリティ</translation>
    </message>
    <message>
        <source>Body part</source>
        <translation>部位</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>画像数</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>担当</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>報告期限</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>残り時間</translation>
    </message>
    <message>
        <source>STAT</source>
        <translation>至急</translation>
    </message>
    <message>
        <source>HIGH</source>
        <translation>高</translation>
    </message>
    <message>
        <source>ROUTINE</source>
        <translation>通常</translation>
    </message>
    <message>
        <source>LOW</source>
        <translation>低</translation>
    </message>
    <message>
        <source>SCHEDULED</source>
        <translation>未読影</translation>
    </message>
    <message>
        <source>IN PROGRESS</source>
        <translation>読影中</translation>
    </message>
    <message>
        <source>COMPLETED</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>CANCELED</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>First reader</source>
        <translation>第一読影医</translation>
    </message>
    <message>
        <source>Second reader</source>
        <translation>第二読影医</translation>
    </message>
    <message>
        <source>Final judge</source>
        <translation>最終判定医</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1日 %2時間</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1時間 %2分</translation>
    </message>
    <message>
        <source>overdue %1</source>
        <translation>期限超過 %1</translation>
    </message>
</context>
</TS>
