import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { requireMsisdn } from './number-param.js';
import type { Appeal, AppealCreateBody, AppealSummary, AttachmentDownload } from '../../api/appeals.js';
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, UPLOAD_TTL_HOURS, type Upload } from '../../api/appeals.js';
import type { Page } from '../../api/common.js';
import type { Clock } from '../../domain/clock.js';
import type { Store } from '../store/store.js';
import { FileTooLargeError, type AppealRecord, type UploadRecord } from '../store/appeals-repo.js';
import { actorName, inScope, scopeOf, type Principal, type Scope } from './authz.js';
import { pageOfList } from './paging.js';
import { recordEvent } from './events.js';

const HOUR = 3600_000;
/** How the operator works an appeal, by the backend clock. */
/** Uploads not attached yet one user may keep (each up to 10 MiB, for UPLOAD_TTL_HOURS). */
const MAX_LIVE_UPLOADS = 50;
/** Expired uploads forgotten per background slice. */
const EXPIRE_SLICE = 100;
const TO_IN_PROGRESS = 1 * HOUR;
const TO_ANSWERED = 3 * HOUR;
const TO_CLOSED = 72 * HOUR;

/**
 * A file name that is safe to store and to offer back: the last path segment only, no control characters,
 * no leading dots, at most 120 characters. `../../etc/passwd` becomes `passwd`.
 */
export function sanitizeFileName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 120);
  return clean || 'attachment';
}

/** Appeals to the operator: filed by users, worked by the operator on the backend's clock. */
export class AppealsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Files an appeal; attachments are checked (count, size, names) before anything is stored. */
  create(p: Principal, body: AppealCreateBody): Appeal {
    const files = (body.attachments ?? []).map((a) => {
      if ('upload' in a) {
        const u = this.ownUpload(p, a.upload);
        return { name: u.name, sha256: u.sha256, size: u.size, bytes: null };
      }
      const bytes = Buffer.from(a.contentBase64, 'base64');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return { name: sanitizeFileName(a.name), sha256, size: bytes.length, bytes };
    });
    if (files.length > MAX_ATTACHMENTS) {
      throw new ApiError('validation_failed', `At most ${MAX_ATTACHMENTS} attachments`, {
        reason: 'too_many_attachments',
        max: MAX_ATTACHMENTS,
      });
    }
    for (const f of files) {
      if (f.size > MAX_ATTACHMENT_BYTES) {
        throw new ApiError('validation_failed', `${f.name} is over 10 MB`, {
          reason: 'attachment_too_big',
          name: f.name,
        });
      }
    }
    const names = new Set<string>();
    for (const f of files) {
      let name = f.name;
      for (let i = 2; names.has(name); i++) name = `${i}-${f.name}`;
      names.add(name);
      f.name = name;
    }
    let number: string | null = null;
    if (body.number) {
      number = requireMsisdn(body.number);
      const line = this.store.numbers.get(number);
      if (!line || !inScope(this.scope(p), line.groupId)) {
        throw new ApiError('not_found', `Number ${number} not found`, { reason: 'number_not_found', number });
      }
    }
    const now = this.clock.now().toISOString();
    const id = `ap_${randomBytes(6).toString('hex')}`;
    const author = actorName(p);
    this.store.transaction(() => {
      this.store.appeals.insert({
        id,
        createdBy: p.user.id,
        author,
        type: body.type,
        subject: body.subject,
        number,
        status: 'received',
        createdAt: now,
        statusAt: now,
      });
      this.store.appeals.addEvent(id, { time: now, kind: 'status', author: 'operator', text: 'received' });
      this.store.appeals.addEvent(id, { time: now, kind: 'message', author, text: body.text });
      for (const f of files) {
        if (f.bytes) this.store.appeals.addAttachment(id, f.name, f.sha256, f.bytes);
        else this.store.appeals.linkAttachment(id, f.name, f.sha256, f.size);
      }
    });
    return this.show(p, id);
  }

  /**
   * Takes one attachment file as a stream, written to disk as it arrives (never whole in memory), up to
   * MAX_ATTACHMENT_BYTES; its id attaches it to one of the caller's appeals within UPLOAD_TTL_HOURS.
   */
  async upload(p: Principal, name: string, body: NodeJS.ReadableStream): Promise<Upload> {
    // Not attached yet, an upload still takes disk until it expires: a user keeps at most this many.
    const live = this.store.appeals.uploadsSince(p.user.id, this.uploadCutoff());
    if (live.count >= MAX_LIVE_UPLOADS) {
      throw new ApiError(
        'rate_limited',
        `You have ${MAX_LIVE_UPLOADS} uploads not attached yet; attach them, or wait: each goes ${UPLOAD_TTL_HOURS} hours after it was sent`,
        { reason: 'too_many_uploads', max: MAX_LIVE_UPLOADS },
      );
    }
    let stored: { sha256: string; size: number };
    try {
      stored = await this.store.appeals.storeStream(body, MAX_ATTACHMENT_BYTES);
    } catch (err) {
      if (err instanceof FileTooLargeError) {
        throw new ApiError('payload_too_large', `${name} is over 10 MB`, {
          reason: 'attachment_too_big',
          name,
        });
      }
      throw err;
    }
    const record = {
      id: `up_${randomBytes(8).toString('hex')}`,
      createdBy: p.user.id,
      name: sanitizeFileName(name),
      ...stored,
      createdAt: this.clock.now().toISOString(),
    };
    this.store.appeals.insertUpload(record);
    return uploadView(record);
  }

  /**
   * One slice of background work: forgets uploads past their time to be attached, and deletes their
   * files unless an appeal or another upload holds them (the disk an unattached upload took comes back).
   * False when there was none.
   */
  step(): boolean {
    if (this.answerDue()) return true;
    // Looked for first: the worker asks every poll, and a write transaction for nothing would wait for
    // the history thread's lock.
    const expired = this.store.appeals.uploadsBefore(this.uploadCutoff(), EXPIRE_SLICE);
    if (expired.length === 0) return false;
    this.store.transaction(() => this.store.appeals.forgetUploads(expired.map((u) => u.id)));
    this.store.appeals.removeUnheldFiles([...new Set(expired.map((u) => u.sha256))]);
    return true;
  }

  private nextAnswerLook = 0;

  /**
   * Moves on the appeals whose next status is due by the clock (at most once a second while none is), so
   * `appeal.answered` happens when the operator answers, not when someone next reads the appeal.
   */
  private answerDue(): boolean {
    if (Date.now() < this.nextAnswerLook) return false;
    const now = this.clock.now().getTime();
    const due = this.store.appeals
      .open(100)
      .filter(
        (a) => now >= Date.parse(a.statusAt) + (a.status === 'received' ? TO_IN_PROGRESS : TO_ANSWERED),
      );
    if (due.length === 0) {
      this.nextAnswerLook = Date.now() + 1000;
      return false;
    }
    for (const a of due) this.advance(a);
    return true;
  }

  /** Uploads made before this time are past attaching. */
  private uploadCutoff(): string {
    return new Date(this.clock.now().getTime() - UPLOAD_TTL_HOURS * HOUR).toISOString();
  }

  /** An upload of the caller's that has not expired; anything else is not found. */
  private ownUpload(p: Principal, id: string): UploadRecord {
    const u = this.store.appeals.upload(id);
    const fresh = u && uploadExpiry(u) > this.clock.now().getTime();
    if (!u || u.createdBy !== p.user.id || !fresh) {
      throw new ApiError(
        'not_found',
        `No upload ${id} (uploads are yours and last ${UPLOAD_TTL_HOURS} hours)`,
        {
          reason: 'upload_not_found',
          upload: id,
        },
      );
    }
    return u;
  }

  /** The company's appeals, newest first. */
  list(p: Principal, q: { status?: string; limit?: number; cursor?: string }): Page<AppealSummary> {
    const scope = this.scope(p);
    const all = this.store.appeals
      .all()
      .filter((a) => this.visible(p, scope, a))
      .map((a) => this.advance(a));
    return pageOfList(
      all.filter((a) => !q.status || a.status === q.status).map((a) => this.summary(a)),
      q.limit ?? 100,
      q.cursor,
      (a) => a.id,
    );
  }

  /** One appeal in full. */
  show(p: Principal, id: string): Appeal {
    const a = this.advance(this.find(p, id));
    const events = this.store.appeals.events(id);
    return {
      ...this.summary(a),
      thread: events
        .filter((e) => e.kind === 'message')
        .map((e) => ({ time: e.time, author: e.author, text: e.text ?? '' })),
      history: events
        .filter((e) => e.kind === 'status')
        .map((e) => ({ time: e.time, status: e.text as Appeal['status'] })),
      attachments: this.store.appeals.attachments(id),
    };
  }

  /** A message from the company; an answered appeal is worked again. */
  reply(p: Principal, id: string, text: string): Appeal {
    const a = this.advance(this.find(p, id));
    if (a.status === 'closed')
      throw new ApiError('conflict', `Appeal ${id} is closed; file a new one`, {
        reason: 'appeal_closed',
        id,
      });
    const now = this.clock.now().toISOString();
    this.store.transaction(() => {
      this.store.appeals.addEvent(id, { time: now, kind: 'message', author: actorName(p), text });
      if (a.status === 'answered') this.store.appeals.setStatus(id, 'in_progress', now);
    });
    return this.show(p, id);
  }

  /** One attachment's bytes. */
  attachment(p: Principal, id: string, name: string): AttachmentDownload {
    this.find(p, id);
    const file = this.store.appeals.attachments(id).find((f) => f.name === name);
    if (!file)
      throw new ApiError('not_found', `No attachment "${name}" on ${id}`, {
        reason: 'attachment_not_found',
        name,
      });
    return {
      name: file.name,
      size: file.size,
      contentBase64: this.store.appeals.read(file.sha256).toString('base64'),
    };
  }

  /** The caller's appeals:write scope. */
  private scope(p: Principal): Scope {
    return scopeOf(p, 'appeals:write', this.store.catalog.groupRecords());
  }

  /**
   * Appeals about a number are scoped like the number; an appeal about no number (or about a number the
   * company no longer has) is seen by its author and by company-wide holders of appeals:write.
   */
  private visible(p: Principal, scope: Scope, a: AppealRecord): boolean {
    const line = a.number ? this.store.numbers.get(a.number) : undefined;
    if (line) return inScope(scope, line.groupId);
    return a.createdBy === p.user.id || scope.kind === 'all';
  }

  /** An appeal the caller may see; out of scope answers like unknown. */
  private find(p: Principal, id: string): AppealRecord {
    const a = this.store.appeals.get(id);
    if (!a || !this.visible(p, this.scope(p), a))
      throw new ApiError('not_found', `No appeal ${id}`, { reason: 'appeal_not_found', id });
    return a;
  }

  /** Applies the operator's work up to now: received → in_progress (1 h) → answered (3 h more, with an answer) → closed (72 h). */
  private advance(a: AppealRecord): AppealRecord {
    const now = this.clock.now().getTime();
    let current = a;
    for (;;) {
      const since = Date.parse(current.statusAt);
      let next: { status: string; at: number } | null = null;
      if (current.status === 'received' && now >= since + TO_IN_PROGRESS)
        next = { status: 'in_progress', at: since + TO_IN_PROGRESS };
      else if (current.status === 'in_progress' && now >= since + TO_ANSWERED)
        next = { status: 'answered', at: since + TO_ANSWERED };
      else if (current.status === 'answered' && now >= since + TO_CLOSED)
        next = { status: 'closed', at: since + TO_CLOSED };
      if (!next) return current;
      const at = new Date(next.at).toISOString();
      const status = next.status;
      this.store.transaction(() => {
        if (status === 'answered') {
          this.store.appeals.addEvent(a.id, {
            time: at,
            kind: 'message',
            author: 'operator',
            text: `Thank you for your ${a.type} "${a.subject}". We have looked into it${a.number ? ` for ${a.number}` : ''} and taken action; write back within 72 hours if anything is left open.`,
          });
          recordEvent(this.store, at, {
            type: 'appeal.answered',
            subject: a.id,
            userId: a.createdBy,
            groupId: a.number ? (this.store.numbers.get(a.number)?.groupId ?? null) : null,
            data: { appealType: a.type, subject: a.subject, number: a.number },
          });
        }
        this.store.appeals.setStatus(a.id, status, at);
      });
      current = { ...current, status, statusAt: at };
    }
  }

  private summary(a: AppealRecord): AppealSummary {
    return {
      id: a.id,
      type: a.type,
      subject: a.subject,
      number: a.number,
      status: a.status as AppealSummary['status'],
      author: a.author,
      createdAt: a.createdAt,
      updatedAt: a.statusAt,
    };
  }
}

/** The API view of an upload: until when it can be attached. */
function uploadView(u: UploadRecord): Upload {
  return {
    id: u.id,
    name: u.name,
    size: u.size,
    sha256: u.sha256,
    expiresAt: new Date(uploadExpiry(u)).toISOString(),
  };
}

/** When an upload can no longer be attached (epoch ms). */
function uploadExpiry(u: UploadRecord): number {
  return Date.parse(u.createdAt) + UPLOAD_TTL_HOURS * HOUR;
}
