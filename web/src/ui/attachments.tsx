import type { Attachment } from '@chat/protocol';
import { createContext, useContext, useEffect, useState } from 'react';
import type { ChatApi } from '../api/chat-api';
import { formatBytes, type UploadApi } from '../files/upload-file';
import { Modal } from './modal';

/** How attachments get their short-lived links (the REST client, provided by the chat app). */
export const FileLinks = createContext<Pick<ChatApi, 'fileUrl'> | undefined>(undefined);

/** How the composer asks for upload URLs (the REST client, provided by the chat app). */
export const FileUploads = createContext<UploadApi | undefined>(undefined);

const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** A presigned URL for the file, fetched when shown (links expire in a minute: never stored). */
function useFileUrl(fileId: string, variant: 'file' | 'thumbnail'): string | undefined {
  const links = useContext(FileLinks);
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let live = true;
    links?.fileUrl(fileId, variant).then((link) => live && setUrl(link.url), () => undefined);
    return () => void (live = false);
  }, [links, fileId, variant]);
  return url;
}

/** An image inline (its thumbnail once made, the original until then), opening a lightbox on click. */
function ImageAttachment({ attachment }: { attachment: Attachment }) {
  const [open, setOpen] = useState(false);
  const preview = useFileUrl(attachment.id, attachment.thumbnail ? 'thumbnail' : 'file');
  // A placeholder of the right shape while nothing is loaded, so the list does not jump.
  const ratio = attachment.width && attachment.height ? `${attachment.width} / ${attachment.height}` : undefined;
  return (
    <>
      <button type="button" className="attachment-image" onClick={() => setOpen(true)} aria-label={`Open ${attachment.name}`} style={{ aspectRatio: ratio }}>
        {preview ? <img src={preview} alt={attachment.name} loading="lazy" /> : <span className="attachment-image__placeholder" />}
      </button>
      {open && <Lightbox attachment={attachment} onClose={() => setOpen(false)} />}
    </>
  );
}

function Lightbox({ attachment, onClose }: { attachment: Attachment; onClose: () => void }) {
  const full = useFileUrl(attachment.id, 'file');
  return (
    <Modal title={attachment.name} onClose={onClose}>
      {() => <div className="lightbox">{full && <img src={full} alt={attachment.name} />}</div>}
    </Modal>
  );
}

/** Any other file: a card with its name and size, downloaded through a fresh link. */
function FileCard({ attachment }: { attachment: Attachment }) {
  const links = useContext(FileLinks);
  const download = async () => {
    const link = await links?.fileUrl(attachment.id);
    if (link) window.location.assign(link.url); // served as an attachment: the page stays
  };
  return (
    <div className="file-card">
      <span className="file-card__icon" aria-hidden="true">
        {attachment.contentType === 'application/pdf' ? 'PDF' : 'FILE'}
      </span>
      <span className="file-card__name">{attachment.name}</span>
      <span className="file-card__size">{formatBytes(attachment.size)}</span>
      <button type="button" className="link-button" onClick={() => void download()}>
        Download
      </button>
    </div>
  );
}

/** The files of one message. */
export function Attachments({ attachments }: { attachments: readonly Attachment[] }) {
  return (
    <ul className="attachments">
      {attachments.map((a) => (
        <li key={a.id}>{INLINE_IMAGES.has(a.contentType) ? <ImageAttachment attachment={a} /> : <FileCard attachment={a} />}</li>
      ))}
    </ul>
  );
}
