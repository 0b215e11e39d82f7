import { Type, type Static } from '@sinclair/typebox';
import { MultiLine, SingleLine, Timestamp } from './common.js';

/** At most this many bytes per attachment… */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** …and this many attachments per appeal. */
export const MAX_ATTACHMENTS = 5;

export const AppealStatus = Type.Union([
  Type.Literal('received'),
  Type.Literal('in_progress'),
  Type.Literal('answered'),
  Type.Literal('closed'),
]);

/** An upload can be attached to an appeal for this long after it was sent. */
export const UPLOAD_TTL_HOURS = 24;

/** A small file inline in the appeal's JSON (the whole body stays within 1 MiB). */
export const InlineAttachment = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentBase64: Type.String({ maxLength: 1024 * 1024 }),
});

/** A file sent before with `POST /v1/uploads` (streamed to disk, up to 10 MiB), by its id. */
export const UploadedAttachment = Type.Object({
  upload: Type.String({ pattern: '^up_[0-9a-f]{16}$', description: 'The id POST /v1/uploads answered' }),
});

export const AttachmentUpload = Type.Union([InlineAttachment, UploadedAttachment]);
export type AttachmentUpload = Static<typeof AttachmentUpload>;

export const UploadQuery = Type.Object({
  name: SingleLine({ minLength: 1, maxLength: 255, description: 'The file name to show in the appeal' }),
});

export const Upload = Type.Object({
  id: Type.String(),
  name: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  expiresAt: Timestamp,
});
export type Upload = Static<typeof Upload>;

export const AppealCreateBody = Type.Object({
  type: Type.Union([Type.Literal('complaint'), Type.Literal('suggestion'), Type.Literal('question')]),
  subject: SingleLine({ minLength: 1, maxLength: 200 }),
  text: MultiLine({ minLength: 1, maxLength: 20000 }),
  number: Type.Optional(SingleLine({ maxLength: 40 })),
  attachments: Type.Optional(Type.Array(AttachmentUpload, { maxItems: MAX_ATTACHMENTS })),
});
export type AppealCreateBody = Static<typeof AppealCreateBody>;

export const AppealReplyBody = Type.Object({ text: MultiLine({ minLength: 1, maxLength: 20000 }) });

export const AppealSummary = Type.Object({
  id: Type.String(),
  type: Type.String(),
  subject: Type.String(),
  number: Type.Union([Type.String(), Type.Null()]),
  status: AppealStatus,
  author: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AppealSummary = Static<typeof AppealSummary>;

export const Appeal = Type.Composite([
  AppealSummary,
  Type.Object({
    thread: Type.Array(Type.Object({ time: Timestamp, author: Type.String(), text: Type.String() })),
    history: Type.Array(Type.Object({ time: Timestamp, status: AppealStatus })),
    attachments: Type.Array(
      Type.Object({ name: Type.String(), size: Type.Integer(), sha256: Type.String() }),
    ),
  }),
]);
export type Appeal = Static<typeof Appeal>;

export const AppealListQuery = Type.Object({ status: Type.Optional(AppealStatus) });

export const AttachmentParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
});

export const AttachmentDownload = Type.Object({
  name: Type.String(),
  size: Type.Integer(),
  contentBase64: Type.String(),
});
export type AttachmentDownload = Static<typeof AttachmentDownload>;
