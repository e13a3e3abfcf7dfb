//! Every error code Gridpatrol shows a person, in one list: the server's
//! refusals, the sync client's failures and the device store's errors. Each
//! code has a stable snake_case name (on the wire and in the UI) and text in
//! zh-CN and English. The UI's table is generated from this list, so a code
//! without a translation cannot exist.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! codes {
    ($($variant:ident = $name:literal, $zh:literal, $en:literal;)*) => {
        /// A stable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $(#[doc = $en] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code's wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// What the code means, in Chinese (the app's first language).
            pub const fn zh(self) -> &'static str {
                match self { $(ErrorCode::$variant => $zh,)* }
            }

            /// What the code means, in English.
            pub const fn en(self) -> &'static str {
                match self { $(ErrorCode::$variant => $en,)* }
            }

            /// Parses a wire name; an unknown one (from a newer server) is `Unknown`.
            pub fn parse(name: &str) -> ErrorCode {
                match name { $($name => ErrorCode::$variant,)* _ => ErrorCode::Unknown }
            }
        }
    };
}

codes! {
    // Anything else.
    Unknown = "unknown", "出错了，请重试", "Something went wrong; please try again";
    // Requests and the protocol.
    UnsupportedVersion = "unsupported_version", "应用版本与服务器不匹配，请升级应用", "This app version does not match the server; please update";
    UnsupportedContentType = "unsupported_content_type", "请求格式不受支持", "Unsupported request format";
    MalformedBody = "malformed_body", "请求内容无法解析", "The request could not be read";
    BodyTooLarge = "body_too_large", "一次发送的数据太多", "Too much data in one request";
    TooManyDocuments = "too_many_documents", "一次同步的记录太多", "Too many records in one sync";
    TooManyConnections = "too_many_connections", "服务器繁忙，请稍后再试", "The server is busy; try again shortly";
    RequestTimeout = "request_timeout", "请求超时", "The request timed out";
    Busy = "busy", "服务器繁忙，请稍后再试", "The server is busy; try again shortly";
    StorageUnavailable = "storage_unavailable", "服务器存储暂不可用，请稍后再试", "The server's storage is unavailable; try again later";
    NotInitialised = "not_initialised", "服务器尚未导入组织数据", "The server has no organisation data yet";
    NotFound = "not_found", "找不到该记录", "Not found";
    AdminOnly = "admin_only", "仅管理员可以执行此操作", "Only administrators may do this";
    AlreadyExists = "already_exists", "已存在同名或同编码的记录", "A record with this name or code already exists";
    // Logins, tokens and devices.
    MissingToken = "missing_token", "请先登录", "Please log in first";
    InvalidToken = "invalid_token", "登录已失效，请重新登录", "Your login is no longer valid; please log in again";
    TokenExpired = "token_expired", "登录已过期，请重新登录", "Your login has expired; please log in again";
    DeviceRevoked = "device_revoked", "此设备已被管理员停用", "This device has been revoked by an administrator";
    UserDisabled = "user_disabled", "此用户已被停用", "This user has been disabled";
    WrongCredentials = "wrong_credentials", "用户名或密码错误", "Wrong user name or password";
    TooManyAttempts = "too_many_attempts", "密码错误次数过多，请稍后再试", "Too many wrong passwords; wait a little";
    PasswordChangeRequired = "password_change_required", "首次登录，请设置新密码", "First login: please set a new password";
    WeakPassword = "weak_password", "新密码至少 8 位，且不能与旧密码相同", "The new password needs at least 8 characters and must differ from the old one";
    InvalidDeviceId = "invalid_device_id", "设备标识无效", "Invalid device id";
    // Documents a device pushed.
    InvalidId = "invalid_id", "记录编号无效", "Invalid record id";
    DuplicateDocument = "duplicate_document", "同一记录在一次同步中出现两次", "The same record twice in one sync";
    MalformedAutomerge = "malformed_automerge", "记录数据已损坏，无法读取", "The record's data is corrupt";
    TooLarge = "too_large", "记录太大，无法接收", "The record is too large";
    ChunkRefused = "chunk_refused", "记录数据格式不被接受", "The record's data format is not accepted";
    MissingDeps = "missing_deps", "服务器缺少此记录的早期修改，正在完整同步", "The server lacks earlier changes; doing a full sync";
    InvalidDocument = "invalid_document", "记录内容不符合格式", "The record does not match its format";
    UnknownField = "unknown_field", "记录含有未知字段", "The record has a field this server does not know";
    WrongKind = "wrong_kind", "记录类型不符", "Wrong record type";
    WrongId = "wrong_id", "记录编号不符", "Wrong record id";
    OutOfScope = "out_of_scope", "该网格不在您的负责范围内", "This grid is outside your area";
    Impersonation = "impersonation", "不能以他人名义记录", "You cannot record in someone else's name";
    CaseRewritten = "case_rewritten", "案件的上报人和时间不能修改", "Who reported a case, and when, cannot change";
    HeaderNotPermitted = "header_not_permitted", "当前状态下您不能修改案件信息", "You may not change the case details in its current state";
    EventRewritten = "event_rewritten", "已记录的处置步骤不能修改或删除", "Recorded steps cannot be changed or removed";
    PhotoRewritten = "photo_rewritten", "已上传的照片不能修改或删除", "Photos cannot be changed or removed";
    RoleNotPermitted = "role_not_permitted", "您的角色无权执行此操作", "Your role may not do this";
    NotAllowedInState = "not_allowed_in_state", "案件当前状态下不能执行此操作，请刷新后再试", "Not possible in the case's current state; refresh and try again";
    NotAssigned = "not_assigned", "此案件已不在您的部门处置", "This case is no longer assigned to your department";
    UnknownDepartment = "unknown_department", "未知的部门", "Unknown department";
    UnknownCategory = "unknown_category", "未知的问题类别", "Unknown category";
    UnknownGrid = "unknown_grid", "未知的网格", "Unknown grid";
    BadEventLog = "bad_event_log", "处置记录的顺序有误", "The case's steps are inconsistent";
    ImplausibleTime = "implausible_time", "设备时间不正确，请校准手机时间", "The device clock is wrong; please set the phone's time";
    PatrolRewritten = "patrol_rewritten", "巡查记录只能由本人追加", "Only its own member may add to a patrol";
    NotAMember = "not_a_member", "您不是该巡查队的成员", "You are not a member of this patrol";
    // Photos.
    InvalidBlobId = "invalid_blob_id", "照片编号无效", "Invalid photo id";
    OffsetMismatch = "offset_mismatch", "照片上传位置不符，将从断点继续", "Upload offset mismatch; resuming";
    BlobTooLarge = "blob_too_large", "照片太大", "The photo is too large";
    SizeMismatch = "size_mismatch", "照片大小与声明不符", "The photo's size does not match what was declared";
    HashMismatch = "hash_mismatch", "照片上传后校验失败，将重新上传", "The uploaded photo failed its check; it will be sent again";
    ChunkHashMismatch = "chunk_hash_mismatch", "照片分块校验失败，将重新上传", "A photo chunk failed its check; it will be sent again";
    QuotaExceeded = "quota_exceeded", "您的照片存储空间已满，请联系管理员", "Your photo storage is full; contact an administrator";
    InvalidImage = "invalid_image", "照片文件无效", "The photo file is not a valid image";
    // The sync client on the device.
    Offline = "offline", "网络不可用，将在恢复后自动同步", "No network; will sync when it returns";
    Protocol = "protocol", "服务器的回答无法识别", "Unexpected answer from the server";
    NotLoggedIn = "not_logged_in", "请先登录", "Please log in first";
    TlsPinMismatch = "tls_pin_mismatch", "服务器证书与首次登录时不一致，可能有人冒充服务器", "The server's certificate differs from the one pinned at first login";
    InsecureHttp = "insecure_http", "不安全的连接（http），请使用 https 或明确允许", "Insecure connection (http); use https or allow it explicitly";
    InvalidFromServer = "invalid_from_server", "服务器发来的数据有误", "The server sent invalid data";
    // The device store.
    Database = "database", "本机数据库出错", "Local database error";
    DocumentInvalid = "document_invalid", "记录数据有误", "The record's data is invalid";
    MissingDepartment = "missing_department", "请选择派往的部门", "Choose the department to dispatch to";
    PhotoUnsupportedFormat = "photo_unsupported_format", "不支持该照片格式（如 HEIC），请使用 JPEG 或 PNG。苹果手机：设置 › 相机 › 格式 › 兼容性最佳", "Unsupported photo format (e.g. HEIC); use JPEG or PNG. iPhone: Settings › Camera › Formats › Most Compatible";
    PhotoTooLarge = "photo_too_large", "照片太大，无法处理", "The photo is too large to process";
    PhotoInvalid = "photo_invalid", "无法识别该照片文件", "The photo file cannot be read";
    Invalid = "invalid", "填写的内容有误", "Invalid input";
    PatrolEnded = "patrol_ended", "本次巡查已结束", "This patrol has ended";
    JoinCodeInvalid = "join_code_invalid", "加入码不正确，请核对发起人手机上的码", "Wrong join code; check the code on the starter's phone";
    AlreadyInPatrol = "already_in_patrol", "您还有一次巡查正在进行，请先结束", "You are still on another patrol; end it first";
    PartEnded = "part_ended", "您在本次巡查中的部分已结束，不能再加入", "Your part of this patrol has ended; you cannot rejoin";
    NoReference = "no_reference", "尚无基础数据，请先联网登录或同步", "No reference data yet; log in once while online";
    NewerDatabase = "newer_database", "本机数据来自更新版本的应用，请升级应用", "The local data is from a newer app; please update";
    ExportFailed = "export_failed", "文件未能保存，请换一个位置再试", "The file could not be saved; try another location";
    // The app itself.
    Timeout = "timeout", "连接服务器超时", "The server did not answer in time";
    NoBackend = "no_backend", "未连接到应用后台", "The app's back end is not connected";
    NoGrid = "no_grid", "您没有负责的网格", "You have no grid assigned";
    NeedCategory = "need_category", "请选择问题类别", "Choose a category";
    SyncPartial = "sync_partial", "部分内容未能同步", "Some items did not sync";
    PendingForOther = "pending_for_other", "这条记录还有其他用户未同步的修改，需等该用户登录同步后才能修改", "Another user's changes to this record have not synced yet; they sync when that user logs in";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_unique_name_and_both_texts() {
        let mut names = std::collections::BTreeSet::new();
        for &c in ErrorCode::ALL {
            assert!(names.insert(c.as_str()), "{c} twice");
            assert!(!c.zh().is_empty() && !c.en().is_empty(), "{c} lacks a text");
            assert!(c.zh().chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{c}: zh text is not Chinese");
            assert_eq!(ErrorCode::parse(c.as_str()), c);
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(ErrorCode::parse("from_a_newer_server"), ErrorCode::Unknown);
    }
}
